using InvoiceOcr.Emulator;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace InvoiceOcr.Sdk.Caching.Tests;

/// <summary>
/// One SDK host (its own service provider and in-memory store, as a separate application instance would have) with the result
/// cache, talking over real HTTP on loopback to a Gemini emulator that several hosts may share.
/// </summary>
internal sealed class CacheHost : IAsyncDisposable
{
    public const string Secret = "test-key-cache-0001";

    private CacheHost(ServiceProvider services) => Services = services;

    public ServiceProvider Services { get; }

    public IInvoiceExtractor Extractor => Services.GetRequiredService<IInvoiceExtractor>();

    public IExtractionResultCache Cache => Services.GetRequiredService<IExtractionResultCache>();

    public IUsageLedger Ledger => Services.GetRequiredService<IUsageLedger>();

    public static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static Task<GeminiEmulator> StartEmulatorAsync()
    {
        var options = new GeminiEmulatorOptions();
        options.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-cache", Project = "project-cache" });
        return GeminiEmulator.StartAsync(options);
    }

    public static async Task<CacheHost> StartAsync(
        GeminiEmulator emulator,
        string company,
        Action<ResultCacheOptions>? configureCache = null,
        QuotaLimits? rates = null)
    {
        var services = new ServiceCollection();
        services.AddInvoiceOcr(options =>
        {
            options.Gemini.BaseAddress = emulator.BaseAddress;
            options.EInvoiceMode = EInvoiceMode.ModelOnly;
            options.Retry.InitialDelay = TimeSpan.FromMilliseconds(10);
            options.Retry.MaxDelay = TimeSpan.FromMilliseconds(50);
        }).AddResultCache(options => configureCache?.Invoke(options));
        services.AddHealthChecks().AddInvoiceOcrResultCache(tags: ["ready"]);
        var host = new CacheHost(services.BuildServiceProvider(validateScopes: true));
        var added = await host.Services.GetRequiredService<IApiKeyStore>().AddAsync(
            new ApiKey { Id = "key-cache", CompanyId = company, Secret = Secret, ProjectId = "project-cache", Rates = rates ?? QuotaLimits.None },
            Ct);
        Assert.True(added);
        return host;
    }

    public static async Task<InvoiceDocument> DocumentAsync(string name = "EN16931_Einfach.pdf") =>
        await InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/" + name), Ct);

    public async Task<HealthReport> ReadinessAsync() =>
        await Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(r => r.Tags.Contains("ready"), Ct);

    public async Task<int> LedgerRowsAsync(string company) => (await Ledger.ListAsync(new UsageQuery(company), Ct)).Count;

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
