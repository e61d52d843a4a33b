using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Emulator;

/// <summary>
/// The quotas of one project. Like the real service, each limit applies per project <em>and per model</em>, and is shared
/// by every key of the project. A <see langword="null"/> limit is unlimited.
/// </summary>
public sealed class EmulatorProjectOptions
{
    /// <summary>Gets or sets the requests allowed per fixed UTC minute.</summary>
    /// <value>The default value is <see langword="null"/> (unlimited).</value>
    [Range(0, int.MaxValue)]
    public int? RequestsPerMinute { get; set; }

    /// <summary>Gets or sets the input (prompt) tokens allowed per fixed UTC minute.</summary>
    /// <value>The default value is <see langword="null"/> (unlimited).</value>
    [Range(0, long.MaxValue)]
    public long? InputTokensPerMinute { get; set; }

    /// <summary>Gets or sets the requests allowed per day; the day resets at midnight America/Los_Angeles.</summary>
    /// <value>The default value is <see langword="null"/> (unlimited).</value>
    [Range(0, int.MaxValue)]
    public int? RequestsPerDay { get; set; }

    /// <summary>
    /// Gets or sets the batch-mode limit: prompt tokens of unfinished batches (pending or running) per model. A batch that
    /// would go over it is refused with 429 RESOURCE_EXHAUSTED; <see langword="null"/> means no limit.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (no limit).</value>
    [Range(0, long.MaxValue)]
    public long? BatchEnqueuedTokens { get; set; }

    /// <summary>Gets or sets the billing tier, which selects the quota ids and metrics reported in 429 bodies.</summary>
    /// <value>The default value is <see cref="EmulatorTier.Free"/>.</value>
    public EmulatorTier Tier { get; set; } = EmulatorTier.Free;
}

/// <summary>The billing tier of a project, as it appears in quota ids (<c>…-FreeTier</c>).</summary>
public enum EmulatorTier
{
    /// <summary>The free tier: quota ids end with <c>-FreeTier</c>.</summary>
    Free,

    /// <summary>A paid tier: quota ids and metrics name the paid tier.</summary>
    Paid,
}
