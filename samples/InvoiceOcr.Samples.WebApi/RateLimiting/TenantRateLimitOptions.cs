using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Samples.WebApi.RateLimiting;

/// <summary>
/// The limits of <c>POST /extract</c>, bound from the <c>RateLimiting</c> section: requests per tenant (or per IP address
/// for callers without a valid credential) per window, and extractions running at once across all callers.
/// </summary>
public sealed class TenantRateLimitOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "RateLimiting";

    /// <summary>Gets or sets how many extractions a tenant (or an unauthenticated IP address) may start per <see cref="Window"/>.</summary>
    /// <value>The default value is 60.</value>
    [Range(1, 1_000_000)]
    public int PermitLimit { get; set; } = 60;

    /// <summary>Gets or sets the fixed window the limit applies to.</summary>
    /// <value>The default value is 1 minute.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets how many requests over the limit wait for the next window instead of being refused.</summary>
    /// <value>The default value is 0 (refuse at once with 429).</value>
    [Range(0, 10_000)]
    public int QueueLimit { get; set; }

    /// <summary>Gets or sets how many extractions may run at once on this instance, all tenants together.</summary>
    /// <value>The default value is 16.</value>
    [Range(1, 10_000)]
    public int MaxConcurrentExtractions { get; set; } = 16;

    /// <summary>Gets or sets how many extractions may wait for a free slot when <see cref="MaxConcurrentExtractions"/> run.</summary>
    /// <value>The default value is 32; more are refused with 503 and <c>Retry-After</c>.</value>
    [Range(0, 100_000)]
    public int ConcurrencyQueueLimit { get; set; } = 32;
}
