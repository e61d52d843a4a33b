namespace InvoiceOcr.Sdk;

/// <summary>
/// The key pool as a lease API. "Token" here means a Gemini API key (the seed's name for it), not a model token: a lease
/// is one key, chosen for a company, with a quota reservation for the call's estimated model tokens. The model-call
/// pipeline acquires a lease per attempt, then settles it with the billed usage, releases it when nothing was billed, and
/// reports the attempt's failure. Replace it through DI to take keys from elsewhere (a vault, another quota service).
/// Balances and other read-only queries are on <see cref="IKeyPoolQueries"/>.
/// </summary>
public interface ITokenProvider
{
    /// <summary>
    /// Chooses one of the company's active keys that allows the model and has headroom (weighted random, skipping keys that
    /// cool down and projects blocked for the day) and reserves one request and the estimated tokens on it. Near a lifetime
    /// limit the reservation may be smaller, down to <see cref="KeyLeaseRequest.MinimumTokens"/>; the pipeline then caps the
    /// request's output to fit (<see cref="KeyLease.ReservedTokens"/>).
    /// </summary>
    /// <param name="request">The company, model and token estimate.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The lease.</returns>
    /// <exception cref="InvoiceOcrException">
    /// No key can serve: <see cref="InvoiceOcrErrorKind.NoKeyAvailable"/>, <see cref="InvoiceOcrErrorKind.KeyExpired"/>,
    /// <see cref="InvoiceOcrErrorKind.KeyExceeded"/>, <see cref="InvoiceOcrErrorKind.KeyDisabled"/> (with the seed's
    /// messages), or <see cref="InvoiceOcrErrorKind.LocalQuotaExceeded"/> with <see cref="InvoiceOcrException.RetryAfter"/>.
    /// </exception>
    Task<KeyLease> AcquireAsync(KeyLeaseRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Settles a lease with the tokens its attempt was charged: the billed usage, or the reserved estimate when the request
    /// was sent and its outcome is unknown. Called after <see cref="IUsageLogger"/> recorded the attempt.
    /// </summary>
    /// <param name="lease">The lease.</param>
    /// <param name="usage">The tokens charged.</param>
    /// <param name="recorded">
    /// What recording the attempt already did: the built-in store settles the built-in reservation in the same transaction as
    /// the ledger row (<see cref="UsageRecording.Settled"/>, then only the settlement's effects remain to announce); a
    /// <see cref="UsageRecording.Deferred"/> record is settled when its outbox is replayed; otherwise settle here.
    /// </param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when settled.</returns>
    Task SettleAsync(KeyLease lease, TokenUsage usage, RecordedUsage recorded, CancellationToken cancellationToken);

    /// <summary>Releases a lease's reservation after an attempt that was not billed (no request sent, or an error answer).</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when released.</returns>
    Task ReleaseAsync(KeyLease lease, CancellationToken cancellationToken);

    /// <summary>
    /// Applies what a failed attempt says about its key: invalid or revoked → <see cref="ApiKeyStatus.Disabled"/>; per-minute 429
    /// with a delay → the keys of its project cool down; per-day 429 → the project is skipped until the next Pacific midnight.
    /// </summary>
    /// <param name="lease">The lease the attempt used.</param>
    /// <param name="error">The failure.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when applied.</returns>
    Task ReportFailureAsync(KeyLease lease, InvoiceOcrException error, CancellationToken cancellationToken);
}

/// <summary>Read-only queries over the key pool (balances, attempts of unknown outcome), for dashboards and admin tools.</summary>
public interface IKeyPoolQueries
{
    /// <summary>Gets a key's token balance.</summary>
    /// <param name="keyId">The key.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The balance, or <see langword="null"/> when the key does not exist.</returns>
    Task<TokenBalance?> GetKeyBalanceAsync(string keyId, CancellationToken cancellationToken);

    /// <summary>Gets a company's token balance over its active keys.</summary>
    /// <param name="companyId">The company.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The balance (zeros when the company has no active key).</returns>
    Task<TokenBalance> GetCompanyBalanceAsync(string companyId, CancellationToken cancellationToken);

    /// <summary>
    /// Lists the attempts whose request was sent and whose answer never arrived (a cut connection, a timeout, a crash): each is
    /// charged at its estimate, and is to be matched against the provider's billing (a console's <c>usage unknown</c>).
    /// </summary>
    /// <param name="companyId">Only this company's; every company's when <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The attempts, oldest first.</returns>
    Task<IReadOnlyList<UnknownOutcomeAttempt>> ListUnknownOutcomeAttemptsAsync(string? companyId, CancellationToken cancellationToken);
}

/// <summary>What a lease is for.</summary>
/// <param name="CompanyId">The company whose keys pay.</param>
/// <param name="Model">The model to call.</param>
/// <param name="EstimatedTokens">The tokens to reserve (total: the prompt's tokens plus the output cap), counted by the day windows and the lifetime limit.</param>
public sealed record KeyLeaseRequest(string CompanyId, string Model, long EstimatedTokens)
{
    /// <summary>Gets the ids of keys not to use (keys that already failed over in this call).</summary>
    public IReadOnlyCollection<string> ExcludedKeyIds { get; init; } = [];

    /// <summary>
    /// Gets the smallest reservation that still serves the call (the prompt plus a minimal output), or <see langword="null"/>
    /// when only <see cref="EstimatedTokens"/> will do. Near a key's lifetime limit a provider may reserve what remains, as
    /// long as it is at least this; the request's output cap then shrinks to fit instead of the call being refused.
    /// </summary>
    public long? MinimumTokens { get; init; }

    /// <summary>
    /// Gets the prompt's estimated tokens, which the per-minute token windows admit and count (Google's per-minute token
    /// limit counts input tokens only), or <see langword="null"/> to count <see cref="EstimatedTokens"/> there too.
    /// </summary>
    public long? InputTokens { get; init; }
}

/// <summary>A key leased for one model call, with its quota reservation. <see cref="ToString"/> never shows the secret.</summary>
public sealed record KeyLease
{
    /// <summary>Gets a value indicating whether the built-in provider's store journaled the attempt with the reservation (one transaction); the pipeline then writes no separate journal entry.</summary>
    internal bool AttemptJournaled { get; init; }

    /// <summary>Gets the operation's claim the built-in provider's store made in the reservation's transaction (the call's first lease), if it did.</summary>
    internal OperationClaimResult? Claim { get; init; }

    /// <summary>Gets when the store journaled the attempt (the reservation's own instant, so the attempt's ledger row lands in the windows the reservation counted in).</summary>
    internal DateTimeOffset? AttemptStartedAt { get; init; }

    /// <summary>Gets the key's id.</summary>
    public required string KeyId { get; init; }

    /// <summary>Gets the company.</summary>
    public required string CompanyId { get; init; }

    /// <summary>Gets the key's project.</summary>
    public string? ProjectId { get; init; }

    /// <summary>Gets the model.</summary>
    public required string Model { get; init; }

    /// <summary>Gets the secret, to send only in the <c>x-goog-api-key</c> header.</summary>
    public required string Secret { get; init; }

    /// <summary>Gets the reservation id; <see langword="null"/> for a fallback key.</summary>
    public string? ReservationId { get; init; }

    /// <summary>Gets the reserved tokens.</summary>
    public long ReservedTokens { get; init; }

    /// <summary>Gets the input tokens the reservation holds in the per-minute windows (what an attempt of unknown outcome keeps there).</summary>
    internal long ReservedInputTokens { get; init; }

    /// <summary>Gets a value indicating whether the key came from the configured fallback because the store is unreachable.</summary>
    public bool IsFallback { get; init; }

    /// <summary>Returns a description with the secret masked.</summary>
    /// <returns>The description.</returns>
    public override string ToString() =>
        $"KeyLease {{ KeyId = {KeyId}, CompanyId = {CompanyId}, ProjectId = {ProjectId}, Model = {Model}, Secret = {ApiKeySecrets.Mask(Secret)}, IsFallback = {IsFallback} }}";
}

/// <summary>Token totals of a key or a company.</summary>
/// <param name="TokensUsed">Settled usage.</param>
/// <param name="TokensReserved">Held by outstanding reservations.</param>
/// <param name="LifetimeTokenLimit">The limit; <see langword="null"/> when any key counted is unlimited.</param>
/// <param name="RemainingTokens">What is left; <see langword="null"/> when unlimited.</param>
public sealed record TokenBalance(long TokensUsed, long TokensReserved, long? LifetimeTokenLimit, long? RemainingTokens);
