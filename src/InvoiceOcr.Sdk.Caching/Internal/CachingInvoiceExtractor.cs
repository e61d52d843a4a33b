using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Caching.Internal;

/// <summary>
/// Puts the result cache in front of the extractor. A result is keyed by company, document hash, model, prompt version, schema
/// version and e-invoice mode, and tagged by company and by document so either can be invalidated; one company never sees
/// another's entry. A hit returns without touching the model-call pipeline (no operation, no lease, no ledger row);
/// concurrent misses of one key share one extraction (HybridCache's stampede protection).
/// </summary>
internal sealed partial class CachingInvoiceExtractor(
    IInvoiceExtractor inner,
    ResultCacheStore store,
    InvoiceValidator validator,
    IOptionsMonitor<InvoiceOcrOptions> sdkOptions,
    IOptionsMonitor<ResultCacheOptions> cacheOptions,
    ResultCacheMetrics metrics,
    TimeProvider timeProvider,
    ILogger<CachingInvoiceExtractor> logger) : IInvoiceExtractor, IExtractionResultCache
{
    private readonly HybridCache cache = store.Cache;

    private static readonly HybridCacheEntryOptions LookupOnly = new()
    {
        Flags = HybridCacheEntryFlags.DisableUnderlyingData | HybridCacheEntryFlags.DisableLocalCacheWrite | HybridCacheEntryFlags.DisableDistributedCacheWrite,
    };

    public async Task<InvoiceExtractionResult> ExtractAsync(InvoiceDocument document, ExtractionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(context);

        var started = timeProvider.GetTimestamp();
        var settings = cacheOptions.CurrentValue;
        var sha256 = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(document.Content.Span));
        var key = Key(context.CompanyId, sha256);
        string[] tags = [CompanyTag(context.CompanyId), DocumentTag(context.CompanyId, sha256)];
        var entry = new HybridCacheEntryOptions
        {
            Expiration = settings.Expiration,
            LocalCacheExpiration = settings.LocalExpiration,
            Flags = settings.UseLocalLevel ? null : HybridCacheEntryFlags.DisableLocalCache,
        };

        try
        {
            if (settings.ServeCachedResults)
            {
                // HybridCache writes the second level (Redis) after it hands the value back, in the background: a call returning
                // before that write lands would let another instance asking right after miss and pay again. So the miss writes
                // Redis itself, and returns once the result is shared.
                var call = new Call(inner, document, context);
                var cached = await cache.GetOrCreateAsync(
                    key,
                    call,
                    static async (call, ct) => await call.RunAsync(ct).ConfigureAwait(false),
                    new HybridCacheEntryOptions
                    {
                        Expiration = entry.Expiration,
                        LocalCacheExpiration = entry.LocalCacheExpiration,
                        Flags = (entry.Flags ?? HybridCacheEntryFlags.None) | HybridCacheEntryFlags.DisableDistributedCacheWrite,
                    },
                    tags,
                    cancellationToken).ConfigureAwait(false);
                if (call.Result is { } fresh)
                {
                    metrics.Lookup("miss");

                    // Paid for: not cancellable (a failing or bypassed Redis ends within RedisTimeout and never throws here).
                    await cache.SetAsync(key, cached, entry, tags, CancellationToken.None).ConfigureAwait(false);
                    return fresh;
                }

                // Served by the cache, or by a concurrent caller's extraction of the same document that this call joined: either way it paid nothing.
                metrics.Lookup("hit");
                var hit = ToResult(cached, ExtractionCacheStatus.Hit, started);
                LogHit(logger, context.CompanyId, sha256, hit.OperationId);
                return hit;
            }

            var result = await inner.ExtractAsync(document, context, cancellationToken).ConfigureAwait(false);
            metrics.Lookup("miss");
            await cache.SetAsync(key, ToCached(result), entry, tags, cancellationToken).ConfigureAwait(false);
            return result;
        }
        catch (InvoiceOcrException ex) when (IsQuotaRefusal(ex.Kind) && settings.QuotaFallbackCompanies.Contains(context.CompanyId))
        {
            var cached = await cache.GetOrCreateAsync<CachedExtraction?>(key, static _ => ValueTask.FromResult<CachedExtraction?>(null), LookupOnly, null, cancellationToken).ConfigureAwait(false);
            if (cached is null)
            {
                metrics.Lookup("quota_miss");
                throw;
            }

            metrics.Lookup("quota_fallback");
            LogQuotaFallback(logger, context.CompanyId, sha256, ex.Kind);
            return ToResult(cached, ExtractionCacheStatus.QuotaFallback, started);
        }
    }

    public ValueTask InvalidateCompanyAsync(string companyId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(companyId);
        return cache.RemoveByTagAsync(CompanyTag(companyId), cancellationToken);
    }

    public ValueTask InvalidateDocumentAsync(string companyId, string documentSha256, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(companyId);
        ArgumentException.ThrowIfNullOrWhiteSpace(documentSha256);
        return cache.RemoveByTagAsync(DocumentTag(companyId, documentSha256.ToLowerInvariant()), cancellationToken);
    }

    /// <summary>Refusals for quota or limits, where a cached result may stand in (opt-in per company).</summary>
    internal static bool IsQuotaRefusal(InvoiceOcrErrorKind kind) => kind is
        InvoiceOcrErrorKind.LocalQuotaExceeded or
        InvoiceOcrErrorKind.KeyExceeded or
        InvoiceOcrErrorKind.QuotaExhaustedPerDay or
        InvoiceOcrErrorKind.QuotaExhausted or
        InvoiceOcrErrorKind.RateLimitedPerMinute;

    internal string Key(string companyId, string sha256)
    {
        var sdk = sdkOptions.CurrentValue;
        // v2: the value is the SDK's StoredExtraction form (v1 entries, in the cache's own copy of that shape, are never read).
        return $"result:v2:{Escape(companyId)}:{sha256}:{Escape(sdk.Gemini.Model)}:{StoredExtraction.PromptVersion}:{StoredExtraction.SchemaVersion}:{sdk.EInvoiceMode}";
    }

    // Company ids are escaped so that no id can forge another's key or tag (':' is a separator).
    private static string CompanyTag(string companyId) => "company:" + Escape(companyId);

    private static string DocumentTag(string companyId, string sha256) => $"document:{Escape(companyId)}:{sha256}";

    private static string Escape(string value) => Uri.EscapeDataString(value);

    private static CachedExtraction ToCached(InvoiceExtractionResult result) => new(StoredExtraction.Serialize(result));

    // A hit paid nothing: no attempts, and its own duration.
    private InvoiceExtractionResult ToResult(CachedExtraction cached, ExtractionCacheStatus status, long started) =>
        StoredExtraction.Deserialize(cached.Stored, validator) with
        {
            Attempts = 0,
            Duration = timeProvider.GetElapsedTime(started),
            CacheStatus = status,
        };

    [LoggerMessage(5001, LogLevel.Information, "Extraction for company {CompanyId} of document {DocumentSha256} served from the result cache (paid by operation {OperationId}); no model call.")]
    private static partial void LogHit(ILogger logger, string companyId, string documentSha256, string operationId);

    [LoggerMessage(5002, LogLevel.Warning, "Company {CompanyId} was refused a model call ({Kind}); document {DocumentSha256} served from the result cache (quota fallback).")]
    private static partial void LogQuotaFallback(ILogger logger, string companyId, string documentSha256, InvoiceOcrErrorKind kind);

    /// <summary>One miss's extraction, run by HybridCache's factory; keeps the full result for the caller that ran it.</summary>
    private sealed class Call(IInvoiceExtractor inner, InvoiceDocument document, ExtractionContext context)
    {
        public InvoiceExtractionResult? Result { get; private set; }

        public async ValueTask<CachedExtraction> RunAsync(CancellationToken cancellationToken)
        {
            Result = await inner.ExtractAsync(document, context, cancellationToken).ConfigureAwait(false);
            return ToCached(Result);
        }
    }
}
