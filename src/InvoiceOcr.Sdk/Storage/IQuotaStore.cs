namespace InvoiceOcr.Sdk;

/// <summary>
/// Reserves, settles and releases quota. Every method is one atomic operation using the store's clock (the database
/// clock in SQL stores), so concurrent callers in any number of processes can never together pass a limit.
/// </summary>
/// <remarks>
/// <para>
/// Guidance for SQL implementations: run each method as one transaction of conditional statements (no read-then-write
/// outside the transaction), and take locks in one order everywhere to avoid deadlocks: the key row, then the project
/// row, then the window rows ordered by (scope, id, kind, window start). <see cref="SettleAsync(string, long, long, CancellationToken)"/> and
/// <see cref="ReleaseAsync"/> first delete the reservation row (which makes a second settle or release a no-op), then
/// follow the same order. Windows are the UTC minute and the America/Los_Angeles day (<see cref="QuotaWindows"/>);
/// a store may compute their starts in .NET from its clock reading and pass them as parameters.
/// </para>
/// <para>
/// "Now" is the store's clock: the database clock (for example <c>SYSUTCDATETIME()</c>) in production, so instances
/// with skewed clocks agree; a store created for tests with a <see cref="TimeProvider"/> must use that instead.
/// </para>
/// </remarks>
public interface IQuotaStore
{
    /// <summary>
    /// Atomically checks and reserves one request and its tokens against the key's and its project's sliding minute
    /// windows (<see cref="QuotaReservationRequest.InputTokens"/>: Google's per-minute token limit counts input tokens), their
    /// Pacific day windows and the key's lifetime limit (<see cref="QuotaReservationRequest.Tokens"/>, every billed token). Nothing is
    /// counted unless everything fits. The key must belong to the company, be <see cref="ApiKeyStatus.Active"/>, not
    /// expired, not cooling down, and its project must not be blocked.
    /// </summary>
    /// <param name="request">What to reserve.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The reservation, or why it was refused.</returns>
    Task<QuotaReservationResult> ReserveAsync(QuotaReservationRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Settles a reservation with the billed tokens when the prompt tokens billed are not known: as
    /// <see cref="SettleAsync(string, long, long, CancellationToken)"/>, except that the per-minute windows keep the
    /// reservation's input estimate (<see cref="QuotaReservation.InputTokens"/>).
    /// </summary>
    /// <param name="reservationId">The reservation.</param>
    /// <param name="actualTokens">The billed tokens (total).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The settlement, or <see langword="null"/> when the reservation is unknown or already settled or released.</returns>
    Task<QuotaSettlement?> SettleAsync(string reservationId, long actualTokens, CancellationToken cancellationToken);

    /// <summary>
    /// Settles a reservation with the billed tokens: adds <paramref name="actualTokens"/> to the key's usage, corrects the
    /// day windows the reservation counted in by the difference from its total estimate and the per-minute windows by the
    /// difference between <paramref name="actualInputTokens"/> and its input estimate, and moves the key to
    /// <see cref="ApiKeyStatus.Exceeded"/> (recording the transition) when its lifetime limit is reached. Settling twice is a no-op.
    /// </summary>
    /// <param name="reservationId">The reservation.</param>
    /// <param name="actualTokens">The billed tokens (total: <c>totalTokenCount</c>).</param>
    /// <param name="actualInputTokens">The billed prompt tokens (<c>promptTokenCount</c>, cached tokens included): what the per-minute windows keep.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The settlement, or <see langword="null"/> when the reservation is unknown or already settled or released.</returns>
    Task<QuotaSettlement?> SettleAsync(string reservationId, long actualTokens, long actualInputTokens, CancellationToken cancellationToken);

    /// <summary>
    /// Releases a reservation of a call that was not billed: its tokens return to the windows (its input estimate to the
    /// minute windows, its total to the day windows) and the lifetime headroom. The request stays counted, because the service counts every request it receives. Releasing twice is a no-op.
    /// </summary>
    /// <param name="reservationId">The reservation.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when this call released it.</returns>
    Task<bool> ReleaseAsync(string reservationId, CancellationToken cancellationToken);

    /// <summary>Makes a key cool down (after a per-minute 429) until the store's now plus <paramref name="duration"/>; a later existing cooldown is kept.</summary>
    /// <param name="keyId">The key.</param>
    /// <param name="duration">The server's retry delay.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The instant the cooldown ends, or <see langword="null"/> when the key is unknown.</returns>
    Task<DateTimeOffset?> CoolDownKeyAsync(string keyId, TimeSpan duration, CancellationToken cancellationToken);

    /// <summary>Blocks a project (after a per-day 429) until the next midnight America/Los_Angeles by the store's clock.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The instant the block ends.</returns>
    Task<DateTimeOffset> BlockProjectForDayAsync(string projectId, CancellationToken cancellationToken);

    /// <summary>Gets the counters of a key's or project's current windows (zeros when nothing was counted).</summary>
    /// <param name="scope">Key or project.</param>
    /// <param name="id">The key or project id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The counters.</returns>
    Task<QuotaWindowUsage> GetWindowUsageAsync(QuotaScope scope, string id, CancellationToken cancellationToken);

    /// <summary>
    /// Charges every reservation whose time to live has passed (by the store's clock) at its reserved estimate, as
    /// <see cref="SettleAsync(string, long, long, CancellationToken)"/> with the reservation's own tokens would: the key's used
    /// tokens and the day windows keep the total estimate, the minute windows the input estimate (the lost call may have been billed by Google), and the key may become <see cref="ApiKeyStatus.Exceeded"/>.
    /// Each reservation is charged on its own (in a database, in its own transaction), so reclaiming never holds one
    /// key's locks while waiting for another's.
    /// </summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many were charged.</returns>
    Task<int> ReclaimExpiredReservationsAsync(CancellationToken cancellationToken);
}
