using System.Security.Cryptography;
using System.Text;
using InvoiceOcr.Sdk.Invoices;
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
    /// <summary>The schema's version: a hash of the JSON schema sent to the model, so a schema change never serves an old shape.</summary>
    internal static readonly string SchemaVersion =
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(InvoiceSchema.ResponseJsonSchemaText)).AsSpan(0, 6));

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
        var sha256 = Convert.ToHexStringLower(SHA256.HashData(document.Content.Span));
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
                var call = new Call(inner, document, context);
                var cached = await cache.GetOrCreateAsync(
                    key,
                    call,
                    static async (call, ct) => await call.RunAsync(ct).ConfigureAwait(false),
                    entry,
                    tags,
                    cancellationToken).ConfigureAwait(false);
                if (call.Result is { } fresh)
                {
                    metrics.Lookup("miss");
                    return fresh;
                }

                // Served by the cache, or by a concurrent caller's extraction of the same document that this call joined: either way it paid nothing.
                metrics.Lookup("hit");
                LogHit(logger, context.CompanyId, sha256, cached.OperationId);
                return ToResult(cached, ExtractionCacheStatus.Hit, started);
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
        return $"result:v1:{Escape(companyId)}:{sha256}:{Escape(sdk.Gemini.Model)}:{InvoicePrompt.Version}:{SchemaVersion}:{sdk.EInvoiceMode}";
    }

    // Company ids are escaped so that no id can forge another's key or tag (':' is a separator).
    private static string CompanyTag(string companyId) => "company:" + Escape(companyId);

    private static string DocumentTag(string companyId, string sha256) => $"document:{Escape(companyId)}:{sha256}";

    private static string Escape(string value) => Uri.EscapeDataString(value);

    private static CachedExtraction ToCached(InvoiceExtractionResult result) => new()
    {
        Invoice = InvoiceJson.Serialize(result.Invoice),
        OperationId = result.OperationId,
        Model = result.Model,
        ModelVersion = result.ModelVersion,
        ResponseId = result.ResponseId,
        KeyId = result.KeyId,
        Attempts = result.Attempts,
        DocumentKind = result.DocumentKind,
        PageCount = result.PageCount,
        DocumentSha256 = result.DocumentSha256,
        InputTokens = result.Usage.InputTokens,
        OutputTokens = result.Usage.OutputTokens,
        TextTokens = result.Usage.TextTokens,
        ImageTokens = result.Usage.ImageTokens,
        DocumentTokens = result.Usage.DocumentTokens,
        CachedTokens = result.Usage.CachedTokens,
        ThoughtsTokens = result.Usage.ThoughtsTokens,
        ToolUseTokens = result.Usage.ToolUseTokens,
        TotalTokens = result.Usage.TotalTokens,
    };

    private InvoiceExtractionResult ToResult(CachedExtraction cached, ExtractionCacheStatus status, long started)
    {
        var invoice = InvoiceJson.Deserialize(cached.Invoice);
        return new InvoiceExtractionResult
        {
            Invoice = invoice,
            Findings = validator.Validate(invoice),
            Usage = cached.ToUsage(),
            Model = cached.Model,
            ModelVersion = cached.ModelVersion,
            ResponseId = cached.ResponseId,
            Attempts = 0,
            KeyId = cached.KeyId,
            Duration = timeProvider.GetElapsedTime(started),
            OperationId = cached.OperationId,
            DocumentKind = cached.DocumentKind,
            PageCount = cached.PageCount,
            DocumentSha256 = cached.DocumentSha256,
            CacheStatus = status,
        };
    }

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
