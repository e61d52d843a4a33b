namespace InvoiceOcr.Sdk;

/// <summary>Whose window a quota counter belongs to.</summary>
public enum QuotaScope
{
    /// <summary>One API key's own limits.</summary>
    Key = 0,

    /// <summary>A Google Cloud project's limits, shared by all its keys.</summary>
    Project = 1,
}

/// <summary>Why a reservation was refused.</summary>
public enum QuotaRejectionReason
{
    /// <summary>Not refused.</summary>
    None = 0,

    /// <summary>The key does not exist.</summary>
    KeyNotFound,

    /// <summary>The key belongs to another company. A key never serves another company.</summary>
    CompanyMismatch,

    /// <summary>The key is not <see cref="ApiKeyStatus.Active"/>; see <see cref="QuotaReservationResult.KeyStatus"/>.</summary>
    KeyNotActive,

    /// <summary>The key is still marked active but its expiry has passed (by the store's clock).</summary>
    KeyExpired,

    /// <summary>The key's settled usage has reached its lifetime limit.</summary>
    LifetimeLimitReached,

    /// <summary>The key's lifetime limit has room, but not for this reservation on top of the outstanding ones.</summary>
    LifetimeHeadroomInsufficient,

    /// <summary>The key cools down after a per-minute 429.</summary>
    KeyCoolingDown,

    /// <summary>The key's project is skipped until the next Pacific midnight after a per-day 429.</summary>
    ProjectBlocked,

    /// <summary>The key's per-minute requests or tokens are used up.</summary>
    KeyMinuteLimit,

    /// <summary>The key's per-day requests or tokens are used up.</summary>
    KeyDayLimit,

    /// <summary>The project's per-minute requests or tokens are used up.</summary>
    ProjectMinuteLimit,

    /// <summary>The project's per-day requests or tokens are used up.</summary>
    ProjectDayLimit,

    /// <summary>
    /// The request's <see cref="QuotaReservationRequest.Claim"/> was lost (the operation is in progress elsewhere or already
    /// succeeded): nothing was reserved or claimed, and <see cref="QuotaReservationResult.Claim"/> says what the store found.
    /// </summary>
    OperationNotClaimed,
}

/// <summary>
/// A request to reserve one request and an estimate of tokens on a key. The estimate has two parts, because Google's
/// limits count two things: the per-minute token windows (<see cref="QuotaLimits.TokensPerMinute"/>) admit and count
/// <see cref="InputTokens"/>, the prompt's tokens, as the service's TPM limit counts input tokens only; the per-day windows
/// and the key's lifetime limit count <see cref="Tokens"/>, every billed token.
/// </summary>
/// <param name="KeyId">The key.</param>
/// <param name="CompanyId">The company asking; the store refuses keys of other companies.</param>
/// <param name="Tokens">The total tokens to reserve (prompt estimate plus output cap): what the day windows and the lifetime limit count.</param>
/// <param name="TimeToLive">How long the reservation is held before <see cref="IQuotaStore.ReclaimExpiredReservationsAsync"/> may charge it at its estimate.</param>
public sealed record QuotaReservationRequest(string KeyId, string CompanyId, long Tokens, TimeSpan TimeToLive)
{
    /// <summary>
    /// Gets the attempt to journal in the reservation's own transaction when it is granted (the store sets its key, project,
    /// reservation id and estimate from the reservation), so that reserving and journaling an attempt is one write; the
    /// granted <see cref="QuotaReservation.AttemptJournaled"/> says the store did. A store that ignores it leaves the journal
    /// entry to a separate <see cref="IOperationStore.BeginAttemptAsync"/>.
    /// </summary>
    public AttemptJournalEntry? Journal { get; init; }

    /// <summary>
    /// Gets the input tokens to reserve: the prompt's tokens (<c>promptTokenCount</c>, cached tokens included), which the
    /// per-minute token windows of the key and its project admit and count until the settlement replaces them with the
    /// prompt tokens billed. <see langword="null"/> counts <see cref="Tokens"/> there too (the cautious reading, for a caller
    /// that cannot tell input from output).
    /// </summary>
    public long? InputTokens { get; init; }

    /// <summary>Gets the tokens the per-minute token windows count for this request: <see cref="InputTokens"/>, or <see cref="Tokens"/> when it is not given.</summary>
    internal long MinuteTokens => InputTokens ?? Tokens;

    /// <summary>
    /// Gets the operation to claim in the reservation's own transaction (a call's first granted reservation), so that claiming
    /// the operation, reserving and journaling its first attempt is one write. The claim is made only together with the
    /// reservation: a refused reservation claims nothing, and a lost claim (the operation is in progress elsewhere or already
    /// succeeded) reserves nothing and is refused as <see cref="QuotaRejectionReason.OperationNotClaimed"/>. The store says in
    /// <see cref="QuotaReservationResult.Claim"/> that it honoured the claim; a store that ignores it leaves the claim to a
    /// separate <see cref="IOperationStore.ClaimOperationAsync"/>.
    /// </summary>
    public OperationClaim? Claim { get; init; }

    /// <summary>Throws when the request is malformed.</summary>
    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(KeyId, nameof(KeyId));
        ArgumentException.ThrowIfNullOrWhiteSpace(CompanyId, nameof(CompanyId));
        ArgumentOutOfRangeException.ThrowIfNegative(Tokens, nameof(Tokens));
        if (InputTokens is { } input)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(input, nameof(InputTokens));
        }

        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(TimeToLive, TimeSpan.Zero, nameof(TimeToLive));
    }
}

/// <summary>
/// A granted reservation: one request and <see cref="Tokens"/> tokens held in the key's and project's day windows and
/// against the lifetime limit, and one request and <see cref="InputTokens"/> input tokens in their per-minute windows.
/// </summary>
/// <param name="Id">The reservation id.</param>
/// <param name="KeyId">The key.</param>
/// <param name="CompanyId">The company.</param>
/// <param name="ProjectId">The key's project.</param>
/// <param name="Tokens">The reserved tokens (total: prompt estimate plus output cap).</param>
/// <param name="MinuteWindowStart">The one-second slot of the sliding per-minute window the reservation counts in (see <see cref="QuotaWindows"/>).</param>
/// <param name="DayWindowStart">The Pacific day window the reservation counts in.</param>
/// <param name="CreatedAt">When it was granted, by the store's clock.</param>
/// <param name="ExpiresAt">When it may be reclaimed (charged at its estimate).</param>
public sealed record QuotaReservation(
    string Id,
    string KeyId,
    string CompanyId,
    string ProjectId,
    long Tokens,
    DateTimeOffset MinuteWindowStart,
    DateTimeOffset DayWindowStart,
    DateTimeOffset CreatedAt,
    DateTimeOffset ExpiresAt)
{
    /// <summary>Gets a value indicating whether the store journaled the request's <see cref="QuotaReservationRequest.Journal"/> in the reservation's transaction.</summary>
    public bool AttemptJournaled { get; init; }

    /// <summary>Gets the input tokens held in the per-minute windows (<see cref="QuotaReservationRequest.InputTokens"/>, or <see cref="Tokens"/> when the request gave none).</summary>
    public long InputTokens { get; init; }
}

/// <summary>The answer to <see cref="IQuotaStore.ReserveAsync"/>.</summary>
public sealed record QuotaReservationResult
{
    /// <summary>Gets the reservation when granted.</summary>
    public QuotaReservation? Reservation { get; init; }

    /// <summary>Gets a value indicating whether the reservation was granted.</summary>
    public bool IsGranted => Reservation is not null;

    /// <summary>Gets why it was refused, <see cref="QuotaRejectionReason.None"/> when granted.</summary>
    public QuotaRejectionReason Reason { get; init; }

    /// <summary>Gets the key's status as the store saw it, when the key exists.</summary>
    public ApiKeyStatus? KeyStatus { get; init; }

    /// <summary>Gets when trying again can succeed (the instant the sliding minute window has room, cooldown end, Pacific midnight), if known.</summary>
    public DateTimeOffset? RetryAt { get; init; }

    /// <summary>
    /// Gets the claim of the request's <see cref="QuotaReservationRequest.Claim"/> when the store made it: claimed (with a granted
    /// reservation; the operation's row as claimed, before this attempt), or lost (refused as
    /// <see cref="QuotaRejectionReason.OperationNotClaimed"/>: in progress elsewhere, or completed with its stored outcome).
    /// <see langword="null"/> when the request carried no claim, the reservation was refused for a quota reason, or the store ignores claims.
    /// </summary>
    public OperationClaimResult? Claim { get; init; }

    /// <summary>Creates a granted result.</summary>
    /// <param name="reservation">The reservation.</param>
    /// <returns>The result.</returns>
    public static QuotaReservationResult Granted(QuotaReservation reservation) =>
        new() { Reservation = reservation, KeyStatus = ApiKeyStatus.Active };

    /// <summary>Creates a refused result.</summary>
    /// <param name="reason">Why.</param>
    /// <param name="keyStatus">The key's status, if it exists.</param>
    /// <param name="retryAt">When trying again can succeed, if known.</param>
    /// <returns>The result.</returns>
    public static QuotaReservationResult Rejected(QuotaRejectionReason reason, ApiKeyStatus? keyStatus = null, DateTimeOffset? retryAt = null) =>
        new() { Reason = reason, KeyStatus = keyStatus, RetryAt = retryAt };
}

/// <summary>The result of settling a reservation with the real usage.</summary>
/// <param name="ReservationId">The reservation.</param>
/// <param name="KeyId">The key.</param>
/// <param name="ActualTokens">The billed tokens added to the key's usage.</param>
/// <param name="TokensUsed">The key's settled usage after this settlement.</param>
/// <param name="LifetimeTokenLimit">The key's lifetime limit, if any.</param>
/// <param name="Status">The key's status after this settlement.</param>
/// <param name="BecameExceeded">Whether this settlement reached the lifetime limit and moved the key to <see cref="ApiKeyStatus.Exceeded"/>.</param>
public sealed record QuotaSettlement(
    string ReservationId,
    string KeyId,
    long ActualTokens,
    long TokensUsed,
    long? LifetimeTokenLimit,
    ApiKeyStatus Status,
    bool BecameExceeded);

/// <summary>
/// The counters of one key's or project's sliding per-minute window and current Pacific day window. The minute window counts
/// input tokens (as Google's per-minute token limit does), the day window total tokens (as billing does).
/// </summary>
/// <param name="Scope">Key or project.</param>
/// <param name="Id">The key or project id.</param>
/// <param name="MinuteWindowStart">The oldest one-second slot the sliding per-minute window counts now (<see cref="QuotaWindows.SlidingMinuteStart"/>).</param>
/// <param name="MinuteRequests">Requests counted in the sliding per-minute window: what the next admission is checked against.</param>
/// <param name="MinuteTokens">Input (prompt) tokens counted in it: each request's input estimate, then the prompt tokens billed once settled.</param>
/// <param name="DayWindowStart">The current day window.</param>
/// <param name="DayRequests">Requests counted in it.</param>
/// <param name="DayTokens">Total tokens counted in it: each request's total estimate, then the tokens billed once settled.</param>
public sealed record QuotaWindowUsage(
    QuotaScope Scope,
    string Id,
    DateTimeOffset MinuteWindowStart,
    long MinuteRequests,
    long MinuteTokens,
    DateTimeOffset DayWindowStart,
    long DayRequests,
    long DayTokens);
