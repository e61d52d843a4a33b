using System.Globalization;
using System.Text;
using InvoiceOcr.Emulator;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

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

        // Diagnostics for a failing assertion: the SDK's log lines, and each request tagged with its journaled attempt so the
        // emulator's billing ledger names the attempt that paid.
        services.AddFakeLogging();
        services.AddHttpClient(InvoiceOcrTelemetry.GeminiHttpClientName).AddHttpMessageHandler(() => new TestAttemptHeaderHandler());
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

    /// <summary>
    /// Says which model calls were made and why, for a failing billing assertion: every call the emulator billed (with the
    /// attempt that sent it), and for each host its ledger rows, retry decisions, unknown-outcome attempts and its SDK log
    /// lines (warnings, retries, cache hits and misses).
    /// </summary>
    public static async Task<string> DescribeBillingAsync(GeminiEmulator emulator, string company, params CacheHost[] hosts)
    {
        var text = new StringBuilder();
        var culture = CultureInfo.InvariantCulture;
        text.AppendLine(culture, $"Emulator billed {emulator.Ledger.Entries.Count} call(s):");
        foreach (var e in emulator.Ledger.Entries)
        {
            text.AppendLine(culture, $"  #{e.Sequence} {e.Timestamp:HH:mm:ss.fff} {e.Method} key {e.KeyId} attempt {e.TestAttempt ?? "(untagged)"} finish {e.FinishReason} fault {e.Fault} response {e.ResponseId}");
        }

        for (var i = 0; i < hosts.Length; i++)
        {
            var host = hosts[i];
            var rows = await host.Ledger.ListAsync(new UsageQuery(company), Ct);
            text.AppendLine(culture, $"Host {i + 1}: {rows.Count} ledger row(s):");
            foreach (var row in rows)
            {
                text.AppendLine(culture, $"  attempt {row.Id} (#{row.Attempt} of operation {row.OperationId}) {row.Outcome} {row.FailureKind} response {row.ResponseId}");
                foreach (var retry in await host.Services.GetRequiredService<IRetryAttemptStore>().ListByOperationAsync(row.OperationId, Ct))
                {
                    text.AppendLine(culture, $"    retry decision after attempt #{retry.AttemptNumber}: {retry.ErrorKind} HTTP {retry.HttpStatus} wait {retry.Delay} failover {retry.IsFailover}");
                }
            }

            foreach (var unknown in await host.Services.GetRequiredService<IOperationStore>().ListUnknownOutcomeAttemptsAsync(company, Ct))
            {
                text.AppendLine(culture, $"  outcome unknown: attempt {unknown.AttemptId} (#{unknown.AttemptNumber} of {unknown.OperationId}) charged {unknown.ChargedTokens}");
            }

            foreach (var log in host.Services.GetFakeLogCollector().GetSnapshot().Where(static l => l.Level >= LogLevel.Information && (l.Category ?? string.Empty).StartsWith("InvoiceOcr", StringComparison.Ordinal)))
            {
                text.AppendLine(culture, $"  {log.Timestamp:HH:mm:ss.fff} {log.Level} {log.Category}: {log.Message}");
            }
        }

        return text.ToString();
    }

    /// <summary>Sends the journaled attempt's id in the emulator's test-only header, so its ledger names the attempt behind each billed call.</summary>
    private sealed class TestAttemptHeaderHandler : DelegatingHandler
    {
        private static readonly HttpRequestOptionsKey<string> AttemptId = new(InvoiceOcrTelemetry.AttemptIdRequestOption);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Options.TryGetValue(AttemptId, out var attemptId))
            {
                request.Headers.TryAddWithoutValidation(GeminiEmulator.TestAttemptHeader, attemptId);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
