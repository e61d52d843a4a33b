namespace InvoiceOcr.Sdk;

/// <summary>
/// The key pool: leases a company's keys for model calls with an atomic quota reservation, settles or releases the
/// reservation afterwards, and moves keys between statuses as the service's answers say.
/// </summary>
public interface ITokenProvider
{
    /// <summary>
    /// Chooses one of the company's active keys that allows the model and has headroom (weighted random, skipping keys that
    /// cool down and projects blocked for the day) and reserves one request and the estimated tokens on it.
    /// </summary>
    /// <param name="request">The company, model and token estimate.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The lease.</returns>
    /// <exception cref="InvoiceOcrException">
    /// No key can serve: <see cref="InvoiceOcrErrorKind.NoKeyAvailable"/>, <see cref="InvoiceOcrErrorKind.KeyExpired"/>,
    /// <see cref="InvoiceOcrErrorKind.KeyDisabled"/> (with the seed's messages), or
    /// <see cref="InvoiceOcrErrorKind.LocalQuotaExceeded"/> with <see cref="InvoiceOcrException.RetryAfter"/>.
    /// </exception>
    Task<KeyLease> AcquireAsync(KeyLeaseRequest request, CancellationToken cancellationToken);

    /// <summary>Settles a lease's reservation with the billed usage and announces lifetime thresholds reached.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="usage">The billed usage.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The settlement, or <see langword="null"/> for a fallback lease or a reservation already settled.</returns>
    Task<QuotaSettlement?> SettleAsync(KeyLease lease, TokenUsage usage, CancellationToken cancellationToken);

    /// <summary>Releases a lease's reservation after a call that was not billed.</summary>
    /// <param name="lease">The lease.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when released.</returns>
    Task ReleaseAsync(KeyLease lease, CancellationToken cancellationToken);

    /// <summary>
    /// Applies what a failed call says about its key: invalid or revoked → <see cref="ApiKeyStatus.Disabled"/>; per-minute 429
    /// with a delay → cooldown; per-day 429 → the project is skipped until the next Pacific midnight.
    /// </summary>
    /// <param name="lease">The lease the call used.</param>
    /// <param name="error">The failure.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>A task that completes when applied.</returns>
    Task ReportFailureAsync(KeyLease lease, InvoiceOcrException error, CancellationToken cancellationToken);

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
}

/// <summary>What a lease is for.</summary>
/// <param name="CompanyId">The company whose keys pay.</param>
/// <param name="Model">The model to call.</param>
/// <param name="EstimatedTokens">The tokens to reserve.</param>
public sealed record KeyLeaseRequest(string CompanyId, string Model, long EstimatedTokens)
{
    /// <summary>Gets the ids of keys not to use (keys that already failed over in this call).</summary>
    public IReadOnlyCollection<string> ExcludedKeyIds { get; init; } = [];
}

/// <summary>A key leased for one model call, with its quota reservation. <see cref="ToString"/> never shows the secret.</summary>
public sealed record KeyLease
{
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
