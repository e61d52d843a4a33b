using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Samples.WebApi.RateLimiting;

/// <summary>The per-company request limit of <c>POST /extract</c>, bound from the <c>RateLimiting</c> section.</summary>
public sealed class CompanyRateLimitOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "RateLimiting";

    /// <summary>Gets or sets how many extractions a company may start per <see cref="Window"/>.</summary>
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
}
