namespace InvoiceOcr.Sdk;

/// <summary>
/// The quota state of a Google Cloud project. The service counts quota per project, so every key of one project
/// shares these limits; a per-day 429 blocks the whole project until the next midnight America/Los_Angeles.
/// </summary>
public sealed record ProjectQuota
{
    /// <summary>Gets the project id.</summary>
    public required string ProjectId { get; init; }

    /// <summary>Gets the project's limits, shared by all its keys.</summary>
    public QuotaLimits Limits { get; init; } = QuotaLimits.None;

    /// <summary>Gets the instant until which the project is skipped (after a per-day 429), if any.</summary>
    public DateTimeOffset? BlockedUntil { get; init; }
}
