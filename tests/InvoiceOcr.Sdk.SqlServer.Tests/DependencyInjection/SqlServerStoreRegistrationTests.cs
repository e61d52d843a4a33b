using InvoiceOcr.Sdk.Relational;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.SqlServer.Tests.DependencyInjection;

public sealed class SqlServerStoreRegistrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void Keys(SqlServerStoreOptions o)
    {
        o.SecretProtection.CurrentKeyId = "k1";
        o.SecretProtection.MasterKeys["k1"] = Convert.ToBase64String(new byte[32]);
    }

    [Fact]
    public void AddSqlServerStore_ReplacesTheInMemoryDefaultForEveryAbstraction()
    {
        var services = new ServiceCollection();
        services.AddInvoiceOcr().AddSqlServerStore("Server=localhost;Database=InvoiceOcr;Integrated Security=true", Keys);
        using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<SqlServerInvoiceOcrStore>();
        Assert.Same(store, provider.GetRequiredService<IApiKeyStore>());
        Assert.Same(store, provider.GetRequiredService<IQuotaStore>());
        Assert.Same(store, provider.GetRequiredService<IUsageLedger>());
        Assert.Same(store, provider.GetRequiredService<IRetryAttemptStore>());
        Assert.Same(store, provider.GetRequiredService<IApplicationLogSink>());
        Assert.IsType<DurableUsageLogger>(provider.GetRequiredService<IUsageLogger>());
        Assert.Single(provider.GetServices<IApiKeyStore>());
    }

    [Fact]
    public async Task AddSqlServerStore_InjectedSchemaName_HostFailsToStartBeforeTouchingTheServer()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddInvoiceOcr().AddSqlServerStore("Server=localhost;Database=InvoiceOcr;Integrated Security=true", o =>
        {
            Keys(o);
            o.SchemaName = "dbo]; DROP TABLE [TokenMaster";
        });
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains("SchemaName", error.Message, StringComparison.Ordinal);
    }
}
