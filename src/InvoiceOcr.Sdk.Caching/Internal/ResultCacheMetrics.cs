using System.Diagnostics.Metrics;

namespace InvoiceOcr.Sdk.Caching.Internal;

/// <summary>The result cache's instruments, on the SDK's meter name so one subscription sees them all.</summary>
internal sealed class ResultCacheMetrics
{
    /// <summary>The meter (the SDK's own).</summary>
    public const string MeterName = "InvoiceOcr.Sdk";

    /// <summary>Lookups by outcome: tag <c>invoiceocr.cache.result</c> = hit, miss, quota_fallback, quota_miss.</summary>
    public const string LookupsInstrument = "invoiceocr.result_cache.lookups";

    /// <summary>Times Redis was skipped because it was down or failing.</summary>
    public const string RedisBypassedInstrument = "invoiceocr.result_cache.redis.bypassed";

    /// <summary>Redis failures that started a bypass period.</summary>
    public const string RedisFailuresInstrument = "invoiceocr.result_cache.redis.failures";

    public const string ResultTag = "invoiceocr.cache.result";

    private readonly Counter<long> _lookups;
    private readonly Counter<long> _bypassed;
    private readonly Counter<long> _failures;

    public ResultCacheMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(MeterName);
        _lookups = meter.CreateCounter<long>(LookupsInstrument, "{lookup}", "Result cache lookups by outcome; a hit or quota_fallback made no model call.");
        _bypassed = meter.CreateCounter<long>(RedisBypassedInstrument, "{operation}", "Result cache operations that skipped Redis because it was down.");
        _failures = meter.CreateCounter<long>(RedisFailuresInstrument, "{failure}", "Redis failures that made the result cache bypass Redis for a while.");
    }

    public void Lookup(string result) => _lookups.Add(1, new KeyValuePair<string, object?>(ResultTag, result));

    public void RedisBypassed() => _bypassed.Add(1);

    public void RedisFailed() => _failures.Add(1);
}
