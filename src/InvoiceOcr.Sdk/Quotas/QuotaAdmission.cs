namespace InvoiceOcr.Sdk.Storage;

/// <summary>
/// The admission rules of a quota reservation, written once and shared by every store (the in-memory store and the
/// relational stores): pure functions from a key's state, its project's state and the counted window usage to "admit" or
/// the typed refusal. Checks run in this order: company, status, expiry, lifetime limit and headroom, cooldown, project
/// block, then the four rate windows (key minute, key day, project minute, project day).
/// </summary>
/// <remarks>
/// A store applies them under its own serialization (a lock, a write transaction). A relational store counts a window
/// with one conditional statement whose condition is <see cref="Fits(long, long, int?, long?, long)"/> written in SQL,
/// so the check and the count are one atomic step.
/// </remarks>
public static class QuotaAdmission
{
    /// <summary>Applies the key checks in order: company, status, expiry, lifetime limit and headroom, cooldown.</summary>
    /// <param name="key">The key's admission state.</param>
    /// <param name="request">The request.</param>
    /// <param name="now">The store's current time.</param>
    /// <returns>The first refusal, or <see langword="null"/> when the key admits the request.</returns>
    public static QuotaReservationResult? CheckKey(in QuotaKeyState key, QuotaReservationRequest request, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!string.Equals(key.CompanyId, request.CompanyId, StringComparison.Ordinal))
        {
            // Nothing about another company's key is revealed: not even its status.
            return QuotaReservationResult.Rejected(QuotaRejectionReason.CompanyMismatch);
        }

        if (key.Status != ApiKeyStatus.Active)
        {
            return QuotaReservationResult.Rejected(QuotaRejectionReason.KeyNotActive, key.Status);
        }

        if (key.ExpiresAt is { } e && e <= now)
        {
            return QuotaReservationResult.Rejected(QuotaRejectionReason.KeyExpired, key.Status);
        }

        if (key.LifetimeLimit is { } limit)
        {
            if (key.Used >= limit)
            {
                return QuotaReservationResult.Rejected(QuotaRejectionReason.LifetimeLimitReached, key.Status);
            }

            if (key.Used + key.Reserved + request.Tokens > limit)
            {
                return QuotaReservationResult.Rejected(QuotaRejectionReason.LifetimeHeadroomInsufficient, key.Status);
            }
        }

        if (key.CooldownUntil is { } c && c > now)
        {
            return QuotaReservationResult.Rejected(QuotaRejectionReason.KeyCoolingDown, key.Status, c);
        }

        return null;
    }

    /// <summary>Refuses when the key's project is blocked for the day.</summary>
    /// <param name="blockedUntil">When the project's block ends, if it is blocked.</param>
    /// <param name="status">The key's status (reported with the refusal).</param>
    /// <param name="now">The store's current time.</param>
    /// <returns>The refusal, or <see langword="null"/>.</returns>
    public static QuotaReservationResult? CheckProject(DateTimeOffset? blockedUntil, ApiKeyStatus status, DateTimeOffset now) =>
        blockedUntil is { } blocked && blocked > now ? QuotaReservationResult.Rejected(QuotaRejectionReason.ProjectBlocked, status, blocked) : null;

    /// <summary>The four windows a grant must fit, in the order to check (and, in a database, to lock) them: the key's minute and day, then its project's minute and day.</summary>
    /// <param name="keyId">The key.</param>
    /// <param name="projectId">The key's project.</param>
    /// <param name="keyLimits">The key's rate limits.</param>
    /// <param name="projectLimits">The project's rate limits.</param>
    /// <param name="now">The store's current time.</param>
    /// <returns>The windows.</returns>
    public static QuotaWindowLimit[] Windows(string keyId, string projectId, QuotaLimits keyLimits, QuotaLimits projectLimits, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(keyLimits);
        ArgumentNullException.ThrowIfNull(projectLimits);
        var minute = QuotaWindows.MinuteStart(now);
        var minuteEnd = QuotaWindows.MinuteEnd(now);
        var day = QuotaWindows.DayStart(now);
        var dayEnd = QuotaWindows.DayEnd(now);
        return
        [
            new(QuotaScope.Key, keyId, QuotaWindowKind.Minute, minute, keyLimits.RequestsPerMinute, keyLimits.TokensPerMinute, QuotaRejectionReason.KeyMinuteLimit, minuteEnd),
            new(QuotaScope.Key, keyId, QuotaWindowKind.Day, day, keyLimits.RequestsPerDay, keyLimits.TokensPerDay, QuotaRejectionReason.KeyDayLimit, dayEnd),
            new(QuotaScope.Project, projectId, QuotaWindowKind.Minute, minute, projectLimits.RequestsPerMinute, projectLimits.TokensPerMinute, QuotaRejectionReason.ProjectMinuteLimit, minuteEnd),
            new(QuotaScope.Project, projectId, QuotaWindowKind.Day, day, projectLimits.RequestsPerDay, projectLimits.TokensPerDay, QuotaRejectionReason.ProjectDayLimit, dayEnd),
        ];
    }

    /// <summary>Whether one more request of <paramref name="tokens"/> fits a window that has counted <paramref name="requests"/> and <paramref name="countedTokens"/>.</summary>
    /// <param name="requests">Requests counted in the window.</param>
    /// <param name="countedTokens">Tokens counted in the window.</param>
    /// <param name="requestLimit">The window's request limit, if any.</param>
    /// <param name="tokenLimit">The window's token limit, if any.</param>
    /// <param name="tokens">The request's tokens.</param>
    /// <returns><see langword="true"/> when both limits still hold after counting the request.</returns>
    public static bool Fits(long requests, long countedTokens, int? requestLimit, long? tokenLimit, long tokens) =>
        (requestLimit is not { } r || requests + 1 <= r) && (tokenLimit is not { } t || countedTokens + tokens <= t);

    /// <summary>Checks the windows in order against what each has counted.</summary>
    /// <param name="windows">The windows, from <see cref="Windows"/>.</param>
    /// <param name="counted">What each window (same index) has counted: requests and tokens.</param>
    /// <param name="tokens">The request's tokens.</param>
    /// <param name="status">The key's status (reported with a refusal).</param>
    /// <returns>The first window's refusal, or <see langword="null"/> when the request fits all of them.</returns>
    public static QuotaReservationResult? CheckWindows(ReadOnlySpan<QuotaWindowLimit> windows, ReadOnlySpan<(long Requests, long Tokens)> counted, long tokens, ApiKeyStatus status)
    {
        if (counted.Length != windows.Length)
        {
            throw new ArgumentException("One count per window is required.", nameof(counted));
        }

        for (var i = 0; i < windows.Length; i++)
        {
            var w = windows[i];
            if (!Fits(counted[i].Requests, counted[i].Tokens, w.RequestLimit, w.TokenLimit, tokens))
            {
                return QuotaReservationResult.Rejected(w.Reason, status, w.RetryAt);
            }
        }

        return null;
    }
}

/// <summary>A key's state as a reservation sees it.</summary>
/// <param name="CompanyId">The owning company.</param>
/// <param name="ProjectId">The key's project.</param>
/// <param name="Status">The key's status.</param>
/// <param name="ExpiresAt">When the key expires, if it does.</param>
/// <param name="LifetimeLimit">The key's lifetime token limit, if any.</param>
/// <param name="Used">Tokens used so far.</param>
/// <param name="Reserved">Tokens held by open reservations.</param>
/// <param name="CooldownUntil">When the key's cooldown ends, if cooling down.</param>
/// <param name="Rates">The key's rate limits.</param>
public readonly record struct QuotaKeyState(
    string CompanyId,
    string ProjectId,
    ApiKeyStatus Status,
    DateTimeOffset? ExpiresAt,
    long? LifetimeLimit,
    long Used,
    long Reserved,
    DateTimeOffset? CooldownUntil,
    QuotaLimits Rates);

/// <summary>The length of a rate window.</summary>
public enum QuotaWindowKind
{
    /// <summary>A UTC minute.</summary>
    Minute = 0,

    /// <summary>A Pacific day.</summary>
    Day = 1,
}

/// <summary>One rate window a reservation must fit.</summary>
/// <param name="Scope">Whether the window counts a key or a project.</param>
/// <param name="Id">The key or project id.</param>
/// <param name="Kind">The window's length.</param>
/// <param name="Start">The window's start.</param>
/// <param name="RequestLimit">The request limit, if any.</param>
/// <param name="TokenLimit">The token limit, if any.</param>
/// <param name="Reason">The refusal when the window is full.</param>
/// <param name="RetryAt">When the window ends.</param>
public readonly record struct QuotaWindowLimit(QuotaScope Scope, string Id, QuotaWindowKind Kind, DateTimeOffset Start, int? RequestLimit, long? TokenLimit, QuotaRejectionReason Reason, DateTimeOffset RetryAt);
