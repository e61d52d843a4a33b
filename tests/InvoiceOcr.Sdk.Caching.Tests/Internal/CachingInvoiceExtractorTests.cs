using InvoiceOcr.Sdk.Caching.Internal;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace InvoiceOcr.Sdk.Caching.Tests.Internal;

/// <summary>The result cache in process (no Redis), in front of the real pipeline and the emulator.</summary>
public sealed class CachingInvoiceExtractorTests
{
    private const string Company = "company-cache";
    private static CancellationToken Ct => CacheHost.Ct;

    [Fact]
    public async Task ExtractAsync_SameDocumentTwice_SecondIsAHitWithNoModelCallAndIsCounted()
    {
        await using var emulator = await CacheHost.StartEmulatorAsync();
        await using var host = await CacheHost.StartAsync(emulator, Company);
        using var lookups = new MetricCollector<long>(host.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(), ResultCacheMetrics.MeterName, ResultCacheMetrics.LookupsInstrument);
        var document = await CacheHost.DocumentAsync();

        var first = await host.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);
        var second = await host.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);

        Assert.Equal(ExtractionCacheStatus.None, first.CacheStatus);
        Assert.Equal(ExtractionCacheStatus.Hit, second.CacheStatus);
        Assert.Single(emulator.Ledger.Entries);
        Assert.Equal(1, await host.LedgerRowsAsync(Company));
        Assert.Equal(0, second.Attempts);
        Assert.Equal(first.OperationId, second.OperationId);
        Assert.Equal(first.Usage.TotalTokens, second.Usage.TotalTokens);
        Assert.Equal(first.Invoice.InvoiceId, second.Invoice.InvoiceId);
        Assert.Equal(first.Findings.Count, second.Findings.Count);
        Assert.Equal(["miss", "hit"], lookups.GetMeasurementSnapshot().Select(m => (string)m.Tags[ResultCacheMetrics.ResultTag]!));
    }

    [Fact]
    public async Task ExtractAsync_SameDocumentForAnotherCompany_IsNeverShared()
    {
        await using var emulator = await CacheHost.StartEmulatorAsync();
        await using var host = await CacheHost.StartAsync(emulator, Company);
        await host.Services.GetRequiredService<IApiKeyStore>().AddAsync(
            new ApiKey { Id = "key-other", CompanyId = "company-other", Secret = CacheHost.Secret, ProjectId = "project-cache" }, Ct);
        var document = await CacheHost.DocumentAsync();

        await host.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);
        var other = await host.Extractor.ExtractAsync(document, new ExtractionContext("company-other"), Ct);

        Assert.Equal(ExtractionCacheStatus.None, other.CacheStatus);
        Assert.Equal(2, emulator.Ledger.Entries.Count);
        Assert.Equal(1, await host.LedgerRowsAsync("company-other"));
    }

    [Fact]
    public async Task InvalidateDocumentAsync_ThenExtract_CallsTheModelAgainWhileOtherDocumentsStayCached()
    {
        await using var emulator = await CacheHost.StartEmulatorAsync();
        await using var host = await CacheHost.StartAsync(emulator, Company);
        var a = await CacheHost.DocumentAsync();
        var b = await CacheHost.DocumentAsync("EN16931_Miete.pdf");
        var first = await host.Extractor.ExtractAsync(a, new ExtractionContext(Company), Ct);
        await host.Extractor.ExtractAsync(b, new ExtractionContext(Company), Ct);

        await host.Cache.InvalidateDocumentAsync(Company, first.DocumentSha256!, Ct);
        var again = await host.Extractor.ExtractAsync(a, new ExtractionContext(Company), Ct);
        var stillCached = await host.Extractor.ExtractAsync(b, new ExtractionContext(Company), Ct);

        Assert.Equal(ExtractionCacheStatus.None, again.CacheStatus);
        Assert.Equal(ExtractionCacheStatus.Hit, stillCached.CacheStatus);
        Assert.Equal(3, emulator.Ledger.Entries.Count);

        await host.Cache.InvalidateCompanyAsync(Company, Ct);
        var afterCompany = await host.Extractor.ExtractAsync(b, new ExtractionContext(Company), Ct);
        Assert.Equal(ExtractionCacheStatus.None, afterCompany.CacheStatus);
        Assert.Equal(4, emulator.Ledger.Entries.Count);
    }

    [Fact]
    public async Task ExtractAsync_DailyQuotaUsedUp_ServesAnExtractedDocumentFromCacheFlaggedAndRefusesANewOneWithTheTypedError()
    {
        await using var emulator = await CacheHost.StartEmulatorAsync();

        // Results are written but not served while the quota lasts, so the second call of the same document really meets the quota.
        await using var host = await CacheHost.StartAsync(
            emulator,
            Company,
            cache =>
            {
                cache.ServeCachedResults = false;
                cache.QuotaFallbackCompanies.Add(Company);
            },
            new QuotaLimits { RequestsPerDay = 1 });
        var known = await CacheHost.DocumentAsync();
        var unknown = await CacheHost.DocumentAsync("EN16931_Miete.pdf");

        var first = await host.Extractor.ExtractAsync(known, new ExtractionContext(Company), Ct);
        var fallback = await host.Extractor.ExtractAsync(known, new ExtractionContext(Company), Ct);
        var refused = await Assert.ThrowsAsync<InvoiceOcrException>(() => host.Extractor.ExtractAsync(unknown, new ExtractionContext(Company), Ct));

        Assert.Equal(ExtractionCacheStatus.None, first.CacheStatus);
        Assert.Equal(ExtractionCacheStatus.QuotaFallback, fallback.CacheStatus);
        Assert.Equal(first.Invoice.InvoiceId, fallback.Invoice.InvoiceId);
        Assert.Equal(InvoiceOcrErrorKind.LocalQuotaExceeded, refused.Kind);
        Assert.Single(emulator.Ledger.Entries);
        Assert.Equal(1, await host.LedgerRowsAsync(Company));
    }

    [Fact]
    public async Task ExtractAsync_DailyQuotaUsedUpForACompanyThatDidNotOptIn_GetsTheTypedQuotaError()
    {
        await using var emulator = await CacheHost.StartEmulatorAsync();
        await using var host = await CacheHost.StartAsync(emulator, Company, cache => cache.ServeCachedResults = false, new QuotaLimits { RequestsPerDay = 1 });
        var document = await CacheHost.DocumentAsync();
        await host.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct);

        var refused = await Assert.ThrowsAsync<InvoiceOcrException>(() => host.Extractor.ExtractAsync(document, new ExtractionContext(Company), Ct));

        Assert.Equal(InvoiceOcrErrorKind.LocalQuotaExceeded, refused.Kind);
    }

    [Fact]
    public async Task ExtractAsync_HitWithANewIdempotencyKey_ClaimsNoOperationAndMakesNoModelCall()
    {
        await using var emulator = await CacheHost.StartEmulatorAsync();
        await using var host = await CacheHost.StartAsync(emulator, Company);
        var document = await CacheHost.DocumentAsync();
        var paid = await host.Extractor.ExtractAsync(document, new ExtractionContext(Company) { IdempotencyKey = "idem-first" }, Ct);

        var hit = await host.Extractor.ExtractAsync(document, new ExtractionContext(Company) { IdempotencyKey = "idem-second" }, Ct);
        var hitAgain = await host.Extractor.ExtractAsync(document, new ExtractionContext(Company) { IdempotencyKey = "idem-second" }, Ct);

        // The cache answers before the pipeline: the paying operation's id, no new operation, no ledger row, no model call.
        Assert.Equal(ExtractionCacheStatus.Hit, hit.CacheStatus);
        Assert.Equal(ExtractionCacheStatus.Hit, hitAgain.CacheStatus);
        Assert.Equal(paid.OperationId, hit.OperationId);
        Assert.Single(emulator.Ledger.Entries);
        Assert.Equal(1, await host.LedgerRowsAsync(Company));
    }

    [Fact]
    public async Task AddResultCache_LocalExpirationBeyondExpiration_FailsValidationNamingTheSetting()
    {
        var services = new ServiceCollection();
        services.AddInvoiceOcr().AddResultCache(options =>
        {
            options.Expiration = TimeSpan.FromHours(1);
            options.LocalExpiration = TimeSpan.FromHours(2);
        });
        await using var provider = services.BuildServiceProvider();

        var error = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
            () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<ResultCacheOptions>>().Value);

        Assert.Contains("InvoiceOcr:ResultCache:LocalExpiration", error.Message, StringComparison.Ordinal);
    }
}
