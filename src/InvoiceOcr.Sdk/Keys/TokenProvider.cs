using System.Globalization;
using InvoiceOcr.Sdk.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Keys;

/// <summary>The key pool over <see cref="IApiKeyStore"/> and <see cref="IQuotaStore"/>.</summary>
internal sealed partial class TokenProvider : ITokenProvider
{
    internal const string ExpiredMessage = "Your AI token has expired. Please renew your subscription.";
    internal const string DisabledMessage = "Your AI token is no longer available or has been disabled. Please contact support.";
    internal const string NoKeyMessage = "No active token found for your company. Please contact support.";

    private static readonly int[] Thresholds = [80, 90, 100];

    private readonly IApiKeyStore _keys;
    private readonly IQuotaStore _quotas;
    private readonly KeyPoolOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly InvoiceOcrMetrics _metrics;
    private readonly ILogger<TokenProvider> _logger;
    private readonly Lock _randomGate = new();
    private readonly Random _random;

    public TokenProvider(
        IApiKeyStore keys,
        IQuotaStore quotas,
        IOptions<KeyPoolOptions> options,
        TimeProvider timeProvider,
        InvoiceOcrMetrics metrics,
        ILogger<TokenProvider> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _keys = keys;
        _quotas = quotas;
        _options = options.Value;
        _timeProvider = timeProvider;
        _metrics = metrics;
        _logger = logger;
        _random = _options.RandomSeed is { } seed ? new Random(seed) : new Random();
    }

    public async Task<KeyLease> AcquireAsync(KeyLeaseRequest request, CancellationToken cancellationToken) =>
        (await AcquireAsync(request, null, null, cancellationToken).ConfigureAwait(false)).Lease!;

    /// <summary>
    /// Leases a key and, when <paramref name="journal"/> is given, has the store journal the attempt in the reservation's own
    /// transaction (one write instead of two); <see cref="KeyLease.AttemptJournaled"/> says whether it did. When
    /// <paramref name="claim"/> is given (a call's first lease), the store claims the operation in that same transaction
    /// (<see cref="KeyLease.Claim"/> says it did); a claim lost to another call reserves nothing and comes back as
    /// <see cref="LeaseOutcome.LostClaim"/>, with no lease.
    /// </summary>
    internal async ValueTask<LeaseOutcome> AcquireAsync(KeyLeaseRequest request, AttemptJournalEntry? journal, OperationClaim? claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentException.ThrowIfNullOrWhiteSpace(request.CompanyId, nameof(request));
        ArgumentException.ThrowIfNullOrWhiteSpace(request.Model, nameof(request));
        ArgumentOutOfRangeException.ThrowIfNegative(request.EstimatedTokens, nameof(request));
        ArgumentOutOfRangeException.ThrowIfNegative(request.InputTokens ?? 0, nameof(request));
        try
        {
            return await AcquireCoreAsync(request, journal, claim, cancellationToken).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            return new LeaseOutcome(AcquireFallback(request, ex), null);
        }
    }

    /// <summary>Gets whether this provider's quota store is <paramref name="operations"/>, so a claim made with a reservation lands where the operation is completed.</summary>
    internal bool Reserves(IOperationStore operations) => ReferenceEquals(_quotas, operations);

    public async Task SettleAsync(KeyLease lease, TokenUsage usage, RecordedUsage recorded, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(usage);
        QuotaSettlement? settlement;
        switch (recorded.State)
        {
            case UsageRecording.Deferred:
                // The record waits in the durable outbox; its replay settles the reservation in the ledger's transaction.
                return;
            case UsageRecording.Settled:
                settlement = recorded.Settlement;
                break;
            default:
                if (lease.ReservationId is null)
                {
                    return;
                }

                try
                {
                    settlement = await _quotas.SettleAsync(lease.ReservationId, Math.Max(0, usage.TotalTokens), Math.Max(0, usage.InputTokens), cancellationToken).ConfigureAwait(false);
                }
                catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
                {
                    // Not lost: the reservation outlives the call and, never settled, is charged at its estimate when reclaimed.
                    LogSettleFailed(_logger, lease.KeyId, lease.ReservedTokens);
                    return;
                }

                break;
        }

        if (settlement is null)
        {
            return;
        }

        if (settlement.BecameExceeded)
        {
            _metrics.KeyStatusChanged(ApiKeyStatus.Exceeded);
            LogKeyStatusChanged(_logger, lease.KeyId, ApiKeyStatus.Active, ApiKeyStatus.Exceeded, "lifetime token limit reached");
        }

        try
        {
            await AnnounceThresholdsAsync(lease, settlement, cancellationToken).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            LogStoreBookkeepingFailed(_logger, "announce a usage threshold", lease.KeyId);
        }
    }

    public async Task ReleaseAsync(KeyLease lease, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (lease.ReservationId is null)
        {
            return;
        }

        try
        {
            _ = await _quotas.ReleaseAsync(lease.ReservationId, cancellationToken).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            // The reservation expires and is reclaimed later.
            LogStoreBookkeepingFailed(_logger, "release", lease.KeyId);
        }
    }

    public async Task ReportFailureAsync(KeyLease lease, InvoiceOcrException error, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(error);
        if (lease.IsFallback)
        {
            return;
        }

        try
        {
            switch (error.Kind)
            {
                case InvoiceOcrErrorKind.KeyInvalid:
                case InvoiceOcrErrorKind.KeyRevoked:
                    var reason = error.GoogleReason is { Length: > 0 } googleReason
                        ? $"{error.Kind} reported by the service ({googleReason})."
                        : $"{error.Kind} reported by the service.";
                    await TransitionAsync(lease.KeyId, ApiKeyStatus.Active, ApiKeyStatus.Disabled, reason, cancellationToken).ConfigureAwait(false);
                    break;

                case InvoiceOcrErrorKind.RateLimitedPerMinute:
                case InvoiceOcrErrorKind.QuotaExhausted:
                    if (error.RetryAfter is { } delay && delay > TimeSpan.Zero)
                    {
                        await CoolDownProjectAsync(lease, delay, cancellationToken).ConfigureAwait(false);
                    }

                    break;

                case InvoiceOcrErrorKind.QuotaExhaustedPerDay when lease.ProjectId is not null:
                    var blockedUntil = await _quotas.BlockProjectForDayAsync(lease.ProjectId, cancellationToken).ConfigureAwait(false);
                    LogProjectBlocked(_logger, lease.ProjectId, lease.KeyId, blockedUntil);
                    break;
            }
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            LogStoreBookkeepingFailed(_logger, "report a failure", lease.KeyId);
        }
    }

    /// <summary>
    /// The refusal when no key is active: expired when every key expired; exceeded when the rest used up their lifetime limit
    /// (the seed's shared message, the kind says which); disabled otherwise.
    /// </summary>
    private static InvoiceOcrException NoneActive(IEnumerable<ApiKeyStatus> statuses)
    {
        var all = statuses as ICollection<ApiKeyStatus> ?? [.. statuses];
        if (all.All(static s => s == ApiKeyStatus.Expired))
        {
            return new InvoiceOcrException(InvoiceOcrErrorKind.KeyExpired, ExpiredMessage);
        }

        return all.Any(static s => s == ApiKeyStatus.Exceeded) && all.All(static s => s is ApiKeyStatus.Exceeded or ApiKeyStatus.Expired)
            ? new InvoiceOcrException(InvoiceOcrErrorKind.KeyExceeded, DisabledMessage)
            : new InvoiceOcrException(InvoiceOcrErrorKind.KeyDisabled, DisabledMessage);
    }

    private async ValueTask<LeaseOutcome> AcquireCoreAsync(KeyLeaseRequest request, AttemptJournalEntry? journal, OperationClaim? claim, CancellationToken cancellationToken)
    {
        var keys = await _keys.ListByCompanyAsync(request.CompanyId, cancellationToken).ConfigureAwait(false);
        var now = _timeProvider.GetUtcNow();
        // What the refusals need is counted as the keys go by; the statuses that are not active are listed only when there
        // is one (the usual call, an active key that reserves, builds no map of statuses).
        var listed = 0;
        var activeExcluded = false;
        List<ApiKeyStatus>? notActive = null;
        var candidates = new List<ApiKey>();
        foreach (var key in keys)
        {
            // A store must never list another company's key; check anyway, a key serves its own company only.
            if (!string.Equals(key.CompanyId, request.CompanyId, StringComparison.Ordinal) || !key.AllowsModel(request.Model))
            {
                continue;
            }

            var status = await ApplyTimeAndUsageTransitionsAsync(key, now, cancellationToken).ConfigureAwait(false);
            listed++;
            if (status != ApiKeyStatus.Active)
            {
                (notActive ??= []).Add(status);
            }
            else if (request.ExcludedKeyIds.Contains(key.Id))
            {
                activeExcluded = true;
            }
            else
            {
                candidates.Add(key);
            }
        }

        if (listed == 0)
        {
            throw new InvoiceOcrException(InvoiceOcrErrorKind.NoKeyAvailable, NoKeyMessage);
        }

        if (candidates.Count == 0)
        {
            if (activeExcluded)
            {
                throw new InvoiceOcrException(
                    InvoiceOcrErrorKind.LocalQuotaExceeded,
                    "Every active AI token of your company has already failed for this document. Please try again later.");
            }

            throw NoneActive(notActive ?? []);
        }

        DateTimeOffset? retryAt = null;
        (QuotaRejectionReason Reason, ApiKey Key)? retryCause = null;
        var headroomRejected = false;
        var lifetimeShort = false;
        foreach (var key in WeightedOrder(candidates))
        {
            var result = await _quotas.ReserveAsync(
                new QuotaReservationRequest(key.Id, request.CompanyId, request.EstimatedTokens, _options.ReservationTimeToLive) { Journal = journal, InputTokens = request.InputTokens, Claim = claim },
                cancellationToken).ConfigureAwait(false);
            if (result.Reason == QuotaRejectionReason.LifetimeHeadroomInsufficient &&
                request.MinimumTokens is { } minimum && key.LifetimeTokenLimit is { } lifetime &&
                lifetime - key.TokensUsed - key.TokensReserved is var remaining && remaining >= minimum && remaining < request.EstimatedTokens)
            {
                // Near the limit: reserve what is left (the request's output cap shrinks to fit) rather than refuse a call
                // that fits. The store checks again atomically; a concurrent call that took the room makes this fail as before.
                result = await _quotas.ReserveAsync(
                    new QuotaReservationRequest(key.Id, request.CompanyId, remaining, _options.ReservationTimeToLive) { Journal = journal, InputTokens = request.InputTokens, Claim = claim },
                    cancellationToken).ConfigureAwait(false);
            }
            if (result.Reason == QuotaRejectionReason.OperationNotClaimed && result.Claim is { } lost)
            {
                // Another call holds the operation, or it already succeeded: no other key changes that.
                return new LeaseOutcome(null, lost);
            }

            if (result.Reservation is { } reservation)
            {
                return new LeaseOutcome(new KeyLease
                {
                    KeyId = key.Id,
                    CompanyId = request.CompanyId,
                    ProjectId = key.ProjectId,
                    Model = request.Model,
                    Secret = key.Secret,
                    ReservationId = reservation.Id,
                    ReservedTokens = reservation.Tokens,
                    ReservedInputTokens = reservation.InputTokens,
                    AttemptJournaled = journal is not null && reservation.AttemptJournaled,
                    AttemptStartedAt = reservation.CreatedAt,
                    Claim = claim is not null && result.Claim is { Status: OperationClaimStatus.Claimed } made ? made : null,
                }, null);
            }

            _metrics.QuotaRejected(result.Reason);
            switch (result.Reason)
            {
                case QuotaRejectionReason.KeyExpired:
                    await TransitionAsync(key.Id, ApiKeyStatus.Active, ApiKeyStatus.Expired, ExpiryReason(key), cancellationToken).ConfigureAwait(false);
                    (notActive ??= []).Add(ApiKeyStatus.Expired);
                    break;
                case QuotaRejectionReason.LifetimeLimitReached:
                    await TransitionAsync(key.Id, ApiKeyStatus.Active, ApiKeyStatus.Exceeded, LifetimeReason(key), cancellationToken).ConfigureAwait(false);
                    (notActive ??= []).Add(ApiKeyStatus.Exceeded);
                    break;
                case QuotaRejectionReason.KeyNotActive:
                case QuotaRejectionReason.KeyNotFound:
                case QuotaRejectionReason.CompanyMismatch:
                    (notActive ??= []).Add(result.KeyStatus is { } s && s != ApiKeyStatus.Active ? s : ApiKeyStatus.Disabled);
                    break;
                case QuotaRejectionReason.LifetimeHeadroomInsufficient:
                    headroomRejected = true;
                    lifetimeShort = true;
                    break;
                default:
                    headroomRejected = true;
                    if (result.RetryAt is { } at && (retryAt is null || at < retryAt))
                    {
                        retryAt = at;
                        retryCause = (result.Reason, key);
                    }

                    break;
            }
        }

        if (!headroomRejected)
        {
            throw NoneActive(notActive ?? []);
        }

        if (retryAt is { } retry)
        {
            var wait = retry - _timeProvider.GetUtcNow();
            if (wait < TimeSpan.Zero)
            {
                wait = TimeSpan.Zero;
            }

            LogNoHeadroom(_logger, request.CompanyId, wait);
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.LocalQuotaExceeded,
                string.Create(CultureInfo.InvariantCulture, $"{LimitReached(retryCause)} Please try again in {Math.Ceiling(wait.TotalSeconds)} seconds."))
            {
                RetryAfter = wait,
            };
        }

        LogNoHeadroomUntilLater(_logger, request.CompanyId);
        throw new InvoiceOcrException(
            InvoiceOcrErrorKind.LocalQuotaExceeded,
            lifetimeShort
                ? "Your AI token does not have enough tokens left for this document. Please contact support."
                : "The AI token quota of your company is used up for now. Please try again later.");
    }

    /// <summary>
    /// Google counts per-minute quota per project, so a per-minute 429 cools down every key of the company in the lease's
    /// project, not only the key that heard it (the next key of the same project would hear the same 429).
    /// </summary>
    private async Task CoolDownProjectAsync(KeyLease lease, TimeSpan delay, CancellationToken cancellationToken)
    {
        var until = await _quotas.CoolDownKeyAsync(lease.KeyId, delay, cancellationToken).ConfigureAwait(false);
        LogKeyCoolingDown(_logger, lease.KeyId, until);
        if (lease.ProjectId is null)
        {
            return;
        }

        foreach (var key in await _keys.ListByCompanyAsync(lease.CompanyId, cancellationToken).ConfigureAwait(false))
        {
            if (key.Status == ApiKeyStatus.Active && string.Equals(key.ProjectId, lease.ProjectId, StringComparison.Ordinal) &&
                !string.Equals(key.Id, lease.KeyId, StringComparison.Ordinal))
            {
                until = await _quotas.CoolDownKeyAsync(key.Id, delay, cancellationToken).ConfigureAwait(false);
                LogKeyCoolingDown(_logger, key.Id, until);
            }
        }
    }

    /// <summary>
    /// Says which limit is reached, in the caller's words: a request limit is not a token quota, the limit and its size are
    /// named, and a daily limit names its day boundary (Google's Pacific midnight, not the UTC days of the usage report).
    /// </summary>
    private static string LimitReached((QuotaRejectionReason Reason, ApiKey Key)? cause)
    {
        const string PacificDay = "Google's days start at midnight Pacific time (America/Los_Angeles)";
        if (cause is not { } c)
        {
            return "The AI token quota of your company is used up for now.";
        }

        var rates = c.Key.Rates;
        return c.Reason switch
        {
            QuotaRejectionReason.KeyMinuteLimit => $"The per-minute {Which(rates.RequestsPerMinute, rates.TokensPerMinute, "RPM", "TPM")} of your company's AI token was reached.",
            QuotaRejectionReason.KeyDayLimit => $"The per-day {Which(rates.RequestsPerDay, rates.TokensPerDay, "RPD", "TPD")} of your company's AI token was reached; {PacificDay}.",
            QuotaRejectionReason.ProjectMinuteLimit => "The per-minute request or token limit of your AI token's Google project was reached.",
            QuotaRejectionReason.ProjectDayLimit => $"The per-day request or token limit of your AI token's Google project was reached; {PacificDay}.",
            QuotaRejectionReason.ProjectBlocked => $"Gemini reported that the daily quota of your AI token's Google project is used up; {PacificDay}.",
            QuotaRejectionReason.KeyCoolingDown => "Gemini reported a per-minute rate limit for your company's AI token; it is cooling down.",
            _ => "The AI token quota of your company is used up for now.",
        };

        static string Which(long? requests, long? tokens, string requestName, string tokenName) => (requests, tokens) switch
        {
            ({ } r, null) => string.Create(CultureInfo.InvariantCulture, $"request limit ({requestName} {r})"),
            (null, { } t) => string.Create(CultureInfo.InvariantCulture, $"token limit ({tokenName} {t})"),
            ({ } r, { } t) => string.Create(CultureInfo.InvariantCulture, $"request or token limit ({requestName} {r}, {tokenName} {t})"),
            _ => "request or token limit",
        };
    }

    private async Task<ApiKeyStatus> ApplyTimeAndUsageTransitionsAsync(ApiKey key, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (key.Status != ApiKeyStatus.Active)
        {
            return key.Status;
        }

        if (key.ExpiresAt is { } expires && expires <= now)
        {
            await TransitionAsync(key.Id, ApiKeyStatus.Active, ApiKeyStatus.Expired, ExpiryReason(key), cancellationToken).ConfigureAwait(false);
            return ApiKeyStatus.Expired;
        }

        if (key.LifetimeTokenLimit is { } limit && key.TokensUsed >= limit)
        {
            await TransitionAsync(key.Id, ApiKeyStatus.Active, ApiKeyStatus.Exceeded, LifetimeReason(key), cancellationToken).ConfigureAwait(false);
            return ApiKeyStatus.Exceeded;
        }

        return ApiKeyStatus.Active;
    }

    private static string ExpiryReason(ApiKey key) =>
        string.Create(CultureInfo.InvariantCulture, $"Expired at {key.ExpiresAt:O}.");

    private static string LifetimeReason(ApiKey key) =>
        string.Create(CultureInfo.InvariantCulture, $"Lifetime token limit of {key.LifetimeTokenLimit} reached ({key.TokensUsed} used).");

    private async Task TransitionAsync(string keyId, ApiKeyStatus from, ApiKeyStatus to, string reason, CancellationToken cancellationToken)
    {
        if (await _keys.TryChangeStatusAsync(keyId, from, to, reason, cancellationToken).ConfigureAwait(false))
        {
            _metrics.KeyStatusChanged(to);
            LogKeyStatusChanged(_logger, keyId, from, to, reason);
        }
    }

    private async Task AnnounceThresholdsAsync(KeyLease lease, QuotaSettlement settlement, CancellationToken cancellationToken)
    {
        if (settlement.LifetimeTokenLimit is not { } limit || limit <= 0)
        {
            return;
        }

        foreach (var percent in Thresholds)
        {
            if ((Int128)settlement.TokensUsed * 100 < (Int128)limit * percent)
            {
                break;
            }

            if (!await _keys.TryMarkUsageThresholdAsync(lease.KeyId, percent, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            _metrics.UsageThresholdReached(percent);
            LogUsageThreshold(_logger, lease.KeyId, percent, settlement.TokensUsed, limit);
            if (_options.OnUsageThresholdReached is { } callback)
            {
                try
                {
                    await callback(new KeyUsageThresholdReached(lease.KeyId, lease.CompanyId, percent, settlement.TokensUsed, limit), cancellationToken).ConfigureAwait(false);
                }
#pragma warning disable CA1031 // A user callback must not break billing bookkeeping; its failure is logged.
                catch (Exception ex) when (ex is not OperationCanceledException)
#pragma warning restore CA1031
                {
                    LogThresholdCallbackFailed(_logger, ex, lease.KeyId, percent);
                }
            }
        }
    }

    private KeyLease AcquireFallback(KeyLeaseRequest request, InvoiceOcrException storeError)
    {
        foreach (var fallback in _options.FallbackKeys)
        {
            if (!string.Equals(fallback.CompanyId, request.CompanyId, StringComparison.Ordinal) ||
                string.IsNullOrEmpty(fallback.Secret) ||
                request.ExcludedKeyIds.Contains(fallback.Id) ||
                (fallback.AllowedModels.Count > 0 && !fallback.AllowedModels.Contains(request.Model, StringComparer.OrdinalIgnoreCase)))
            {
                continue;
            }

            LogUsingFallback(_logger, fallback.Id, request.CompanyId);
            return new KeyLease
            {
                KeyId = fallback.Id,
                CompanyId = request.CompanyId,
                ProjectId = fallback.ProjectId,
                Model = request.Model,
                Secret = fallback.Secret,
                IsFallback = true,
            };
        }

        throw new InvoiceOcrException(
            InvoiceOcrErrorKind.StoreUnavailable,
            "The key store is unreachable and no fallback key is configured for your company.",
            storeError);
    }

    private List<ApiKey> WeightedOrder(List<ApiKey> candidates)
    {
        if (candidates.Count == 1)
        {
            // Nothing to order; the draw still happens so a seeded pool picks the same keys whatever the company sizes.
            lock (_randomGate)
            {
                _ = _random.NextDouble();
            }

            return candidates;
        }

        // Efraimidis–Spirakis: sorting by u^(1/w) descending is a weighted random permutation.
        var keyed = new List<(double Score, ApiKey Key)>(candidates.Count);
        lock (_randomGate)
        {
            foreach (var key in candidates)
            {
                var u = 1.0 - _random.NextDouble();
                keyed.Add((Math.Log(u) / Math.Max(1, key.Weight), key));
            }
        }

        keyed.Sort(static (a, b) => b.Score.CompareTo(a.Score));
        return keyed.ConvertAll(static k => k.Key);
    }

    [LoggerMessage(1301, LogLevel.Information, "Key {KeyId} changed from {From} to {To}: {Reason}")]
    private static partial void LogKeyStatusChanged(ILogger logger, string keyId, ApiKeyStatus from, ApiKeyStatus to, string reason);

    [LoggerMessage(1302, LogLevel.Warning, "Key {KeyId} reached {Percent}% of its lifetime token limit ({TokensUsed} of {Limit} tokens used)")]
    private static partial void LogUsageThreshold(ILogger logger, string keyId, int percent, long tokensUsed, long limit);

    [LoggerMessage(1303, LogLevel.Warning, "The key store is unreachable; using fallback key {KeyId} for company {CompanyId}")]
    private static partial void LogUsingFallback(ILogger logger, string keyId, string companyId);

    [LoggerMessage(1004, LogLevel.Information, "Key {KeyId} cools down until {Until} after a per-minute quota error in its project")]
    private static partial void LogKeyCoolingDown(ILogger logger, string keyId, DateTimeOffset? until);

    [LoggerMessage(1005, LogLevel.Warning, "Project {ProjectId} (key {KeyId}) exhausted its daily quota; skipped until {Until}")]
    private static partial void LogProjectBlocked(ILogger logger, string projectId, string keyId, DateTimeOffset until);

    [LoggerMessage(1006, LogLevel.Warning, "No key of company {CompanyId} has quota headroom; retry after {RetryAfter}")]
    private static partial void LogNoHeadroom(ILogger logger, string companyId, TimeSpan retryAfter);

    [LoggerMessage(1010, LogLevel.Warning, "No key of company {CompanyId} has quota headroom, and waiting does not bring any (a lifetime limit or every key tried)")]
    private static partial void LogNoHeadroomUntilLater(ILogger logger, string companyId);

    [LoggerMessage(1011, LogLevel.Error, "The key store is unreachable; the reservation of key {KeyId} could not be settled and is charged at its estimate ({ReservedTokens} tokens) when reclaimed")]
    private static partial void LogSettleFailed(ILogger logger, string keyId, long reservedTokens);

    // No exception argument: an unreachable store is an expected failure with its own health check; no stack trace at warning level.
    [LoggerMessage(1007, LogLevel.Warning, "The key store is unreachable; could not {Operation} for key {KeyId}")]
    private static partial void LogStoreBookkeepingFailed(ILogger logger, string operation, string keyId);

    [LoggerMessage(1008, LogLevel.Error, "The usage threshold callback failed for key {KeyId} at {Percent}%")]
    private static partial void LogThresholdCallbackFailed(ILogger logger, Exception exception, string keyId, int percent);
}

/// <summary>What a lease with a claim came to: the lease, or the claim another call holds (then no lease and nothing reserved).</summary>
/// <param name="Lease">The lease, when granted.</param>
/// <param name="LostClaim">The operation's claim as the store found it (in progress elsewhere, or completed), when lost.</param>
internal readonly record struct LeaseOutcome(KeyLease? Lease, OperationClaimResult? LostClaim);
