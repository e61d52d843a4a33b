using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk.Caching;

/// <summary>
/// Options of the extraction-result cache (<c>AddResultCache</c>): HybridCache in process, Redis as the optional shared second
/// level. Bound from <c>InvoiceOcr:ResultCache</c> by the samples and validated when the host starts.
/// </summary>
public sealed class ResultCacheOptions
{
    /// <summary>The configuration section name, under <c>InvoiceOcr</c>.</summary>
    public const string SectionName = "ResultCache";

    /// <summary>Gets or sets the Redis connection string (StackExchange.Redis format) of the shared second level.</summary>
    /// <value>The default value is <see langword="null"/>: the cache is in process only, per instance.</value>
    public string? RedisConfiguration { get; set; }

    /// <summary>Gets or sets the prefix of every Redis key the cache writes, so that several applications can share one Redis.</summary>
    /// <value>The default value is <c>invoiceocr:</c>.</value>
    [Required]
    public string RedisInstanceName { get; set; } = "invoiceocr:";

    /// <summary>Gets or sets how long a Redis operation may take before it counts as a failure and the cache is bypassed for the call.</summary>
    /// <value>The default value is 1 second.</value>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00")]
    public TimeSpan RedisTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how long the cache is bypassed after a Redis failure before Redis is tried again.</summary>
    /// <value>The default value is 5 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan RedisRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long a result stays in the cache (both levels).</summary>
    /// <value>The default value is 30 days.</value>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan Expiration { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Gets or sets how long a result stays in the in-process level; at most <see cref="Expiration"/>.</summary>
    /// <value>The default value is 1 hour.</value>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan LocalExpiration { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Gets or sets a value indicating whether results are also kept in process. Off, every lookup goes to Redis: an
    /// invalidation is seen at once by every instance, at the cost of a Redis round trip per lookup.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool UseLocalLevel { get; set; } = true;

    /// <summary>Gets or sets the size cap of the in-process level, in bytes of serialized results; the least recently used are evicted past it.</summary>
    /// <value>The default value is 64 MiB.</value>
    [Range(1024, long.MaxValue)]
    public long LocalSizeLimitBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Gets or sets the largest result cached, in bytes once serialized; a larger one is returned but not cached.</summary>
    /// <value>The default value is 1 MiB.</value>
    [Range(1024, int.MaxValue)]
    public int MaximumEntryBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// Gets or sets a value indicating whether a cached result is served instead of a model call for every company. When
    /// <see langword="false"/>, results are still written, so a company in <see cref="QuotaFallbackCompanies"/> can fall back on them.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool ServeCachedResults { get; set; } = true;

    /// <summary>
    /// Gets the companies that opted into the quota fallback: when admission refuses a new model call for quota, an identical
    /// document's cached result is returned (<see cref="ExtractionCacheStatus.QuotaFallback"/>) instead of the error.
    /// </summary>
    /// <value>The default value is empty: no company falls back.</value>
    public ISet<string> QuotaFallbackCompanies { get; } = new HashSet<string>(StringComparer.Ordinal);
}
