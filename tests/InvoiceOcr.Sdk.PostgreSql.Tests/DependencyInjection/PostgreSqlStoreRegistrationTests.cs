using System.Diagnostics.Metrics;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.PostgreSql.Tests.DependencyInjection;

public sealed class PostgreSqlStoreRegistrationTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AddPostgreSqlStore_StoreOperations_EachRecordsItsDurationTaggedPostgresql()
    {
        await using var schema = await PostgreSqlTestSchema.CreateAsync();
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddInvoiceOcr().AddPostgreSqlStore(schema.ConnectionString, o =>
        {
            o.SchemaName = schema.Schema;
            o.OutboxDirectory = schema.OutboxDirectory;
            PostgreSqlTestSchema.Configure(o);
        });
        using var host = builder.Build();
        await host.StartAsync(Ct);
        var store = host.Services.GetRequiredService<PostgreSqlInvoiceOcrStore>();
        using var durations = new StoreOperationDurations(host.Services.GetRequiredService<IMeterFactory>());

        await store.AddAsync(new ApiKey { Id = "k-1", CompanyId = "c-1", ProjectId = "p-1", Secret = "test-key-metrics-0001" }, Ct);
        _ = await store.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 100, TimeSpan.FromMinutes(5)), Ct);
        _ = await store.ListByCompanyAsync("c-1", Ct);

        var measured = durations.Of("add", "reserve", "list_by_company");
        Assert.Equal(["add", "reserve", "list_by_company"], measured.Select(static m => m.Operation));
        Assert.All(measured, static m => Assert.Equal("postgresql", m.System));
        Assert.All(measured, static m => Assert.Null(m.ErrorType));
        await host.StopAsync(Ct);
    }
}
