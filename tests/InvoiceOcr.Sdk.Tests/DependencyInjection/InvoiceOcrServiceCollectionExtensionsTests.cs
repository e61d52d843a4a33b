using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Tests.DependencyInjection;

public sealed class InvoiceOcrServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddInvoiceOcr_InvalidModelInConfiguration_HostFailsToStartNamingTheSetting()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["InvoiceOcr:Gemini:Model"] = "Not A Model!" });
        builder.Services.AddInvoiceOcr(builder.Configuration.GetSection(InvoiceOcrOptions.SectionName));
        using var host = builder.Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => host.StartAsync(TestContext.Current.CancellationToken));

        Assert.Contains("Gemini:Model must be a bare model id", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddInvoiceOcr_Delegate_AppliesOptions()
    {
        var services = new ServiceCollection();
        services.AddInvoiceOcr(o => o.Gemini.Model = "gemini-2.0-flash");
        using var provider = services.BuildServiceProvider();

        Assert.Equal("gemini-2.0-flash", provider.GetRequiredService<IOptions<InvoiceOcrOptions>>().Value.Gemini.Model);
        Assert.Equal("gemini-2.0-flash", provider.GetRequiredService<IOptions<GeminiOptions>>().Value.Model);
        Assert.Equal("gemini-2.0-flash", provider.GetRequiredService<IOptionsMonitor<GeminiOptions>>().CurrentValue.Model);
    }
}
