using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk;

/// <summary>The operator-controlled limits of a key, replaced as a whole by <see cref="IApiKeyStore.UpdateLimitsAsync"/>.</summary>
public sealed record ApiKeyLimits
{
    /// <summary>Gets the lifetime token limit; <see langword="null"/> means unlimited.</summary>
    [Range(0, long.MaxValue)]
    public long? LifetimeTokenLimit { get; init; }

    /// <summary>Gets the instant after which the key is expired, if any.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Gets the key's own per-minute and per-day limits.</summary>
    public QuotaLimits Rates { get; init; } = QuotaLimits.None;

    /// <summary>Gets the weight of the key in the weighted random choice (at least 1).</summary>
    [Range(1, int.MaxValue)]
    public int Weight { get; init; } = 1;
}
