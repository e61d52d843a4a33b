namespace InvoiceOcr.Sdk;

/// <summary>
/// Durable operations and the attempt journal: each logical model call is an operation row claimed before its first
/// attempt, and each attempt is journaled before its request is sent, so that a duplicate call is refused or answered from
/// the store and, after a crash, every attempt that was in flight can be named. Every method is one atomic operation (one
/// transaction in a SQL store). Stores report an unreachable backend by throwing <see cref="InvoiceOcrException"/> with
/// <see cref="InvoiceOcrErrorKind.StoreUnavailable"/>.
/// </summary>
public interface IOperationStore
{
    /// <summary>
    /// Claims an operation: creates its row, or takes over a failed one or one whose claim has lapsed (its owner died), and
    /// holds it until the store's now plus <see cref="OperationClaim.ClaimDuration"/>. A claim has lapsed only once its own
    /// lifetime and the expiry of every attempt journaled under it (<see cref="BeginAttemptAsync"/>) have passed: an attempt
    /// whose billed ending waits in its process's outbox keeps the operation in progress, so no second caller with the same
    /// id calls the model again before the replay completes it.
    /// </summary>
    /// <param name="claim">The operation and how long to hold it.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Claimed, in progress elsewhere, or completed (with its stored outcome).</returns>
    Task<OperationClaimResult> ClaimOperationAsync(OperationClaim claim, CancellationToken cancellationToken);

    /// <summary>
    /// Reads an operation's row without claiming it (no write): how a call with an idempotency key learns, before any budget or
    /// key is touched, that the operation already succeeded (its stored outcome) or is held by another call.
    /// </summary>
    /// <param name="operationId">The operation.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The row, or <see langword="null"/> when the operation was never claimed.</returns>
    Task<OperationRecord?> GetOperationAsync(string operationId, CancellationToken cancellationToken);

    /// <summary>
    /// Journals an attempt (id, key, reservation, estimate, input estimate) before its request is sent, and, while its
    /// operation is in progress, holds the operation's claim at least until the attempt's <see cref="AttemptJournalEntry.ExpiresAt"/>
    /// (the same is done for the entry <see cref="QuotaReservationRequest.Journal"/> journals with a reservation).
    /// </summary>
    /// <param name="attempt">The attempt.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when the entry is durable.</returns>
    Task BeginAttemptAsync(AttemptJournalEntry attempt, CancellationToken cancellationToken);

    /// <summary>
    /// Ends a journaled attempt in one transaction: for a billed attempt the ledger row is appended, the attempt's reservation
    /// is settled with the billed tokens and the attempt is completed; for an attempt that was not billed its reservation is
    /// released; for an attempt whose outcome is unknown (sent, no answer) its reservation is charged at its estimate and the
    /// attempt is listed as outcome-unknown. Ending an attempt twice changes nothing the second time. A billed record for an
    /// attempt already charged at its estimate (reclaimed or resolved as unknown) corrects the charge to the billed tokens:
    /// the key's used tokens and the day windows by the total, the minute slot by the input tokens against the entry's
    /// <see cref="AttemptJournalEntry.EstimatedInputTokens"/> (left as charged when that is unknown).
    /// </summary>
    /// <param name="ending">How the attempt ended.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The quota settlement made, or <see langword="null"/> when none was (no reservation held, or a replay).</returns>
    Task<QuotaSettlement?> EndAttemptAsync(AttemptEnding ending, CancellationToken cancellationToken);

    /// <summary>Completes an operation with its outcome; a later claim of a succeeded operation returns it.</summary>
    /// <param name="completion">The outcome.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when stored.</returns>
    Task CompleteOperationAsync(OperationCompletion completion, CancellationToken cancellationToken);

    /// <summary>
    /// Resolves journaled attempts that are still in flight as outcome-unknown: each one's reservation (if still held) is
    /// charged at its estimate and the attempt is listed by <see cref="ListUnknownOutcomeAttemptsAsync"/>. Run at start-up.
    /// </summary>
    /// <param name="startedBefore">Only attempts started before this instant (a start-up passes its own start time when no
    /// other instance shares the store); <see langword="null"/> resolves only attempts whose expiry has passed.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The attempts resolved by this call.</returns>
    Task<IReadOnlyList<UnknownOutcomeAttempt>> ResolveInFlightAttemptsAsync(DateTimeOffset? startedBefore, CancellationToken cancellationToken);

    /// <summary>Lists the attempts whose outcome is unknown (charged at their estimate), oldest first.</summary>
    /// <param name="companyId">Only this company's; every company's when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The attempts.</returns>
    Task<IReadOnlyList<UnknownOutcomeAttempt>> ListUnknownOutcomeAttemptsAsync(string? companyId, CancellationToken cancellationToken);
}
