using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.WebApi.Admin;

/// <summary>A new API key. The secret is accepted here once and never returned unmasked.</summary>
public sealed record AddKeyRequest
{
    /// <summary>Gets the key's id (not secret), unique across companies.</summary>
    public string? Id { get; init; }

    /// <summary>Gets the Gemini API key.</summary>
    public string? Secret { get; init; }

    /// <summary>Gets the Google Cloud project the key belongs to; keys of one project share its quota.</summary>
    public string? ProjectId { get; init; }

    /// <summary>Gets the company's display name.</summary>
    public string? CompanyName { get; init; }

    /// <summary>Gets the models the key may call; empty allows every model.</summary>
    public IReadOnlyList<string>? AllowedModels { get; init; }

    /// <summary>Gets the lifetime token budget; <see langword="null"/> for none.</summary>
    public long? LifetimeTokenLimit { get; init; }

    /// <summary>Gets when the key expires; <see langword="null"/> for never.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Gets the key's own request and token rates.</summary>
    public QuotaLimits? Rates { get; init; }

    /// <summary>Gets the key's share of traffic among the company's keys.</summary>
    public int? Weight { get; init; }
}

/// <summary>A status change of one key.</summary>
public sealed record ChangeStatusRequest
{
    /// <summary>Gets the new status.</summary>
    public ApiKeyStatus? Status { get; init; }

    /// <summary>Gets why, for the status history.</summary>
    public string? Reason { get; init; }

    /// <summary>Gets the status the caller saw; the change is refused with 409 when the key has moved on since.</summary>
    public ApiKeyStatus? ExpectedStatus { get; init; }
}

/// <summary>An API key as the admin API shows it: status, limits and remaining tokens, with the secret masked.</summary>
public sealed record KeyView
{
    /// <summary>Gets the key's id.</summary>
    public required string Id { get; init; }

    /// <summary>Gets the owning company.</summary>
    public required string CompanyId { get; init; }

    /// <summary>Gets the company's display name.</summary>
    public string? CompanyName { get; init; }

    /// <summary>Gets the Google Cloud project.</summary>
    public required string ProjectId { get; init; }

    /// <summary>Gets the secret with all but its first and last four characters hidden.</summary>
    public required string MaskedSecret { get; init; }

    /// <summary>Gets the status.</summary>
    public ApiKeyStatus Status { get; init; }

    /// <summary>Gets why the status was last changed.</summary>
    public string? StatusReason { get; init; }

    /// <summary>Gets the tokens billed so far.</summary>
    public long TokensUsed { get; init; }

    /// <summary>Gets the tokens reserved by calls in flight.</summary>
    public long TokensReserved { get; init; }

    /// <summary>Gets the lifetime budget.</summary>
    public long? LifetimeTokenLimit { get; init; }

    /// <summary>Gets the tokens left of the lifetime budget; <see langword="null"/> when unlimited.</summary>
    public long? RemainingTokens { get; init; }

    /// <summary>Gets when the key expires.</summary>
    public DateTimeOffset? ExpiresAt { get; init; }

    /// <summary>Gets the key's rates.</summary>
    public required QuotaLimits Rates { get; init; }

    /// <summary>Gets the key's weight.</summary>
    public int Weight { get; init; }

    /// <summary>Gets the models the key may call.</summary>
    public required IReadOnlyList<string> AllowedModels { get; init; }

    /// <summary>Gets when the key is usable again after a rate-limit cool-down.</summary>
    public DateTimeOffset? CooldownUntil { get; init; }

    /// <summary>Gets when the key was added.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the key last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    internal static KeyView From(ApiKey key) => new()
    {
        Id = key.Id,
        CompanyId = key.CompanyId,
        CompanyName = key.CompanyName,
        ProjectId = key.ProjectId,
        MaskedSecret = key.MaskedSecret,
        Status = key.Status,
        StatusReason = key.StatusReason,
        TokensUsed = key.TokensUsed,
        TokensReserved = key.TokensReserved,
        LifetimeTokenLimit = key.LifetimeTokenLimit,
        RemainingTokens = key.RemainingTokens,
        ExpiresAt = key.ExpiresAt,
        Rates = key.Rates,
        Weight = key.Weight,
        AllowedModels = key.AllowedModels,
        CooldownUntil = key.CooldownUntil,
        CreatedAt = key.CreatedAt,
        UpdatedAt = key.UpdatedAt,
    };
}

/// <summary>One recent error of a company: a billed call that failed, or a key taken out of service.</summary>
public sealed record RecentErrorView
{
    /// <summary>Gets when it happened.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Gets where it comes from: <c>call</c> (the usage ledger) or <c>key</c> (a key's status history).</summary>
    public required string Source { get; init; }

    /// <summary>Gets the SDK error kind of a failed call, or the new status of a key.</summary>
    public required string Kind { get; init; }

    /// <summary>Gets the key involved.</summary>
    public string? KeyId { get; init; }

    /// <summary>Gets the operation of a failed call.</summary>
    public string? OperationId { get; init; }

    /// <summary>Gets the user of a failed call.</summary>
    public string? UserId { get; init; }

    /// <summary>Gets the branch of a failed call.</summary>
    public string? Branch { get; init; }

    /// <summary>Gets the tokens a failed call was billed.</summary>
    public long? TotalTokens { get; init; }

    /// <summary>Gets the file of a failed call, or the reason of a key change.</summary>
    public string? Detail { get; init; }
}

/// <summary>One failed attempt that was retried or failed over.</summary>
public sealed record FailedRetryView
{
    /// <summary>Gets when the attempt failed.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Gets the operation.</summary>
    public required string OperationId { get; init; }

    /// <summary>Gets the attempt number (1-based).</summary>
    public int AttemptNumber { get; init; }

    /// <summary>Gets the key used.</summary>
    public string? KeyId { get; init; }

    /// <summary>Gets the SDK error kind.</summary>
    public InvoiceOcrErrorKind ErrorKind { get; init; }

    /// <summary>Gets the HTTP status Gemini answered.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>Gets the wait before the next attempt, in milliseconds.</summary>
    public long DelayMs { get; init; }

    /// <summary>Gets a value indicating whether the next attempt used another key.</summary>
    public bool IsFailover { get; init; }

    /// <summary>Gets a value indicating whether the operation eventually succeeded.</summary>
    public bool OperationSucceeded { get; init; }
}

/// <summary>What the dashboard needs to know before it loads data.</summary>
/// <param name="Companies">The companies: those with tenant credentials and those under <c>Admin:Companies</c>.</param>
/// <param name="LookbackDays">How many days back the chart, errors and retries look (<c>Admin:LookbackDays</c>).</param>
public sealed record DashboardSettings(IReadOnlyList<string> Companies, int LookbackDays);

/// <summary>A request to issue a tenant credential.</summary>
public sealed record IssueCredentialRequest
{
    /// <summary>Gets a label for people ("ERP connector").</summary>
    public string? Label { get; init; }
}

/// <summary>Latency of a company's model calls (each billed attempt, from the usage ledger).</summary>
/// <param name="Calls">How many calls.</param>
/// <param name="MedianMs">The median, in milliseconds.</param>
/// <param name="P95Ms">The 95th percentile, in milliseconds.</param>
/// <param name="MaxMs">The slowest, in milliseconds.</param>
public sealed record LatencyView(int Calls, long? MedianMs, long? P95Ms, long? MaxMs)
{
    internal static LatencyView From(double[] sorted)
    {
        if (sorted.Length == 0)
        {
            return new LatencyView(0, null, null, null);
        }

        // Nearest-rank percentiles: always a duration that was really measured.
        long Rank(double p) => (long)Math.Round(sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)]);
        return new LatencyView(sorted.Length, Rank(0.5), Rank(0.95), (long)Math.Round(sorted[^1]));
    }
}
