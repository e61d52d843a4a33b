namespace InvoiceOcr.Sdk;

/// <summary>The state of an operation (one logical model call).</summary>
public enum OperationState
{
    /// <summary>Claimed by a running call.</summary>
    InProgress = 0,

    /// <summary>Completed with a result, stored as <see cref="OperationRecord.OutcomeJson"/>.</summary>
    Succeeded = 1,

    /// <summary>Completed with a failure; a later call with the same id may claim it again.</summary>
    Failed = 2,
}

/// <summary>What the operation claim asks for.</summary>
/// <param name="OperationId">The operation's id (from the caller's idempotency key, else generated).</param>
/// <param name="CompanyId">The company.</param>
/// <param name="DocumentSha256">The document's hash, so reusing an idempotency key for another document is detected.</param>
/// <param name="ClaimDuration">How long the claim holds without completion (longer than the call's total timeout). Each attempt
/// journaled under it holds it at least until the attempt's <see cref="AttemptJournalEntry.ExpiresAt"/>.</param>
public sealed record OperationClaim(string OperationId, string CompanyId, string? DocumentSha256, TimeSpan ClaimDuration)
{
    /// <summary>The row of an operation this claim creates: in progress, held until <paramref name="now"/> plus <see cref="ClaimDuration"/>.</summary>
    /// <param name="now">The store's current time.</param>
    /// <returns>The new operation's record.</returns>
    public OperationRecord NewRecord(DateTimeOffset now) => new()
    {
        OperationId = OperationId,
        CompanyId = CompanyId,
        DocumentSha256 = DocumentSha256,
        State = OperationState.InProgress,
        ClaimedUntil = now + ClaimDuration,
        CreatedAt = now,
    };
}

/// <summary>The answer to an operation claim.</summary>
public enum OperationClaimStatus
{
    /// <summary>The caller holds the operation and runs it.</summary>
    Claimed = 0,

    /// <summary>Another call holds it now.</summary>
    InProgress = 1,

    /// <summary>It already succeeded; <see cref="OperationClaimResult.Operation"/> holds the stored outcome.</summary>
    Completed = 2,
}

/// <summary>The result of <see cref="IOperationStore.ClaimOperationAsync"/>.</summary>
/// <param name="Status">Claimed, in progress or completed.</param>
/// <param name="Operation">The operation's row as it now is.</param>
public sealed record OperationClaimResult(OperationClaimStatus Status, OperationRecord Operation);

/// <summary>One operation row.</summary>
public sealed record OperationRecord
{
    /// <summary>Gets the id.</summary>
    public required string OperationId { get; init; }

    /// <summary>Gets the company.</summary>
    public required string CompanyId { get; init; }

    /// <summary>Gets the document's SHA-256, if known.</summary>
    public string? DocumentSha256 { get; init; }

    /// <summary>Gets the state.</summary>
    public OperationState State { get; init; }

    /// <summary>
    /// Gets until when the current claim holds (in progress only): the later of the claim's own lifetime and the expiry of the
    /// last attempt journaled under it, so that a success whose record still waits in an outbox is not run again meanwhile.
    /// </summary>
    public DateTimeOffset ClaimedUntil { get; init; }

    /// <summary>Gets how many attempts were journaled for it, over every claim.</summary>
    public int AttemptCount { get; init; }

    /// <summary>Gets the stored outcome of a succeeded operation (opaque to the store).</summary>
    public string? OutcomeJson { get; init; }

    /// <summary>Gets the failure of a failed operation.</summary>
    public InvoiceOcrErrorKind? FailureKind { get; init; }

    /// <summary>Gets when it was first claimed.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when it last completed.</summary>
    public DateTimeOffset? CompletedAt { get; init; }
}

/// <summary>How an operation ended.</summary>
/// <param name="OperationId">The operation.</param>
/// <param name="Succeeded">Whether it succeeded.</param>
/// <param name="OutcomeJson">The outcome to return to a later call with the same id (success only).</param>
/// <param name="FailureKind">The failure (failure only).</param>
public sealed record OperationCompletion(string OperationId, bool Succeeded, string? OutcomeJson, InvoiceOcrErrorKind? FailureKind);

/// <summary>An attempt journaled before its request is sent.</summary>
public sealed record AttemptJournalEntry
{
    /// <summary>Gets the attempt's id, which is also the id (<see cref="UsageRecord.Id"/>) of its ledger row.</summary>
    public required string AttemptId { get; init; }

    /// <summary>Gets the operation.</summary>
    public required string OperationId { get; init; }

    /// <summary>Gets the company.</summary>
    public required string CompanyId { get; init; }

    /// <summary>Gets the key (never the secret).</summary>
    public required string KeyId { get; init; }

    /// <summary>Gets the key's project.</summary>
    public string? ProjectId { get; init; }

    /// <summary>Gets the reservation the attempt holds, if any (a fallback key holds none).</summary>
    public string? ReservationId { get; init; }

    /// <summary>Gets the reserved estimate, charged if the attempt's outcome is never known.</summary>
    public long EstimatedTokens { get; init; }

    /// <summary>
    /// Gets the input-token part of the estimate: what the attempt holds in the per-minute windows (they count input tokens),
    /// so that a billed record arriving after the attempt was charged at its estimate corrects the minute slot to the billed
    /// input tokens. <see langword="null"/> when unknown (an entry journaled before stores kept it): the minute slot then keeps
    /// what it was charged.
    /// </summary>
    public long? EstimatedInputTokens { get; init; }

    /// <summary>Gets the attempt's number in its operation (1 for the first).</summary>
    public int AttemptNumber { get; init; }

    /// <summary>Gets when it started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when it counts as abandoned if still in flight (the reservation's expiry); its operation's claim holds at least until then.</summary>
    public DateTimeOffset ExpiresAt { get; init; }

    /// <summary>
    /// The journal entry of a billed attempt a store learns of only from its ledger row (its own entry may still wait in a
    /// local outbox): a store journals it from the row and ends it like any other, so its tokens count toward the key once.
    /// </summary>
    /// <param name="usage">The attempt's billed ledger row.</param>
    /// <param name="expiresAt">When the entry counts as abandoned (it is ended at once, so any instant not in the future).</param>
    /// <returns>The entry: the row's ids, attempt number and start, its billed total (and input) tokens as the estimate.</returns>
    public static AttemptJournalEntry ForBilledRecord(UsageRecord usage, DateTimeOffset expiresAt)
    {
        ArgumentNullException.ThrowIfNull(usage);
        return new()
        {
            AttemptId = usage.Id,
            OperationId = usage.OperationId,
            CompanyId = usage.CompanyId,
            KeyId = usage.KeyId,
            ProjectId = usage.ProjectId,
            ReservationId = usage.ReservationId,
            EstimatedTokens = Math.Max(0, usage.TotalTokens),
            EstimatedInputTokens = Math.Max(0, usage.InputTokens),
            AttemptNumber = usage.Attempt,
            StartedAt = usage.StartedAt,
            ExpiresAt = expiresAt,
        };
    }
}

/// <summary>How an attempt ended.</summary>
public enum AttemptResult
{
    /// <summary>The service answered and billed it: <see cref="AttemptEnding.Usage"/> holds the ledger row.</summary>
    Billed = 0,

    /// <summary>No request reached the service, or it answered with an error that is not billed.</summary>
    NotBilled = 1,

    /// <summary>The request was sent and no answer came back (cut connection, timeout, cancellation): charged at its estimate.</summary>
    OutcomeUnknown = 2,
}

/// <summary>The end of a journaled attempt, written in one transaction.</summary>
/// <param name="AttemptId">The attempt.</param>
/// <param name="Result">How it ended.</param>
/// <param name="Usage">The ledger row of a billed attempt (its <see cref="UsageRecord.Id"/> is the attempt id).</param>
public sealed record AttemptEnding(string AttemptId, AttemptResult Result, UsageRecord? Usage = null);

/// <summary>An attempt whose request was sent and whose answer never arrived: charged at its estimate, to reconcile with the provider's billing.</summary>
public sealed record UnknownOutcomeAttempt
{
    /// <summary>Gets the attempt's id (the ledger id it would have had).</summary>
    public required string AttemptId { get; init; }

    /// <summary>Gets the operation.</summary>
    public required string OperationId { get; init; }

    /// <summary>Gets the attempt's number in its operation.</summary>
    public int AttemptNumber { get; init; }

    /// <summary>Gets the company.</summary>
    public required string CompanyId { get; init; }

    /// <summary>Gets the key (never the secret).</summary>
    public required string KeyId { get; init; }

    /// <summary>Gets the key's project.</summary>
    public string? ProjectId { get; init; }

    /// <summary>Gets the tokens charged for it (its estimate).</summary>
    public long ChargedTokens { get; init; }

    /// <summary>Gets when it started.</summary>
    public DateTimeOffset StartedAt { get; init; }

    /// <summary>Gets when it was resolved as outcome-unknown.</summary>
    public DateTimeOffset ResolvedAt { get; init; }
}
