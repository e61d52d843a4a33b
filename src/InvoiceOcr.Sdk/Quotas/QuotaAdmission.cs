namespace InvoiceOcr.Sdk.Storage;

/// <summary>
/// The admission rules of a quota reservation, written once and shared by every store (the in-memory store and the
/// relational stores): pure functions from a key's state, its project's state and the counted window usage to "admit" or
/// the typed refusal. Checks run in this order: company, status, expiry, lifetime limit and headroom, cooldown, project
/// block, then the four rate windows (key minute, key day, project minute, project day). A minute window counts input
/// tokens and a day window total tokens (<see cref="WindowTokens"/>), as Google's limits and billing do.
/// </summary>
/// <remarks>
/// A store applies them under its own serialization (a lock, a write transaction). A relational store counts a window
/// with one conditional statement whose condition is <see cref="Fits(long, long, int?, long?, long)"/> written in SQL
/// over the sum of the window's rows, so the check and the count are one atomic step under the key's (and project's)
/// row lock. The per-minute windows slide (see <see cref="QuotaWindows"/>): no 60-second span admits more than the
/// per-minute limits, and a refusal names the exact instant the request fits (<see cref="SlidingRetryAt"/>).
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
    /// <returns>
    /// The windows. A minute window counts the slots from <see cref="QuotaWindowLimit.From"/> to
    /// <see cref="QuotaWindowLimit.Start"/> (the sliding 61 one-second slots, see <see cref="QuotaWindows"/>); a day window
    /// counts the one row at its start (<see cref="QuotaWindowLimit.From"/> equals <see cref="QuotaWindowLimit.Start"/>).
    /// </returns>
    public static QuotaWindowLimit[] Windows(string keyId, string projectId, QuotaLimits keyLimits, QuotaLimits projectLimits, DateTimeOffset now)
    {
        var windows = new QuotaWindowLimit[WindowCount];
        FillWindows(windows, keyId, projectId, keyLimits, projectLimits, now);
        return windows;
    }

    /// <summary>How many windows a grant must fit (<see cref="Windows"/>).</summary>
    internal const int WindowCount = 4;

    /// <summary>Writes the four windows into <paramref name="windows"/> (a store's own buffer: no array per reservation).</summary>
    internal static void FillWindows(Span<QuotaWindowLimit> windows, string keyId, string projectId, QuotaLimits keyLimits, QuotaLimits projectLimits, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(keyLimits);
        ArgumentNullException.ThrowIfNull(projectLimits);
        ArgumentOutOfRangeException.ThrowIfLessThan(windows.Length, WindowCount, nameof(windows));
        var slot = QuotaWindows.SlotStart(now);
        var from = QuotaWindows.SlidingMinuteStart(now);
        var since = QuotaWindows.SlidingMinuteSince(now);

        // The latest a request that fits at all must wait: until every slot counted now has left the window. A store
        // that sees the slots narrows it to the exact instant with SlidingRetryAt.
        var slotsGone = QuotaWindows.SlotLeavesWindow(slot);
        var day = QuotaWindows.DayStart(now);
        var dayEnd = QuotaWindows.DayEnd(now);

        // A day row is counted whole: everything in it was counted after the instant before the day began.
        var daySince = day.AddTicks(-1);
        windows[0] = new(QuotaScope.Key, keyId, QuotaWindowKind.Minute, from, since, slot, keyLimits.RequestsPerMinute, keyLimits.TokensPerMinute, QuotaRejectionReason.KeyMinuteLimit, slotsGone);
        windows[1] = new(QuotaScope.Key, keyId, QuotaWindowKind.Day, day, daySince, day, keyLimits.RequestsPerDay, keyLimits.TokensPerDay, QuotaRejectionReason.KeyDayLimit, dayEnd);
        windows[2] = new(QuotaScope.Project, projectId, QuotaWindowKind.Minute, from, since, slot, projectLimits.RequestsPerMinute, projectLimits.TokensPerMinute, QuotaRejectionReason.ProjectMinuteLimit, slotsGone);
        windows[3] = new(QuotaScope.Project, projectId, QuotaWindowKind.Day, day, daySince, day, projectLimits.RequestsPerDay, projectLimits.TokensPerDay, QuotaRejectionReason.ProjectDayLimit, dayEnd);
    }

    /// <summary>The four windows of a reservation, held on the stack (<see cref="FillWindows"/>).</summary>
    [System.Runtime.CompilerServices.InlineArray(WindowCount)]
    internal struct WindowBuffer
    {
        private QuotaWindowLimit _first;
    }

    /// <summary>
    /// When a request refused by a sliding minute window fits it, if nothing else is admitted meanwhile: the instant the
    /// oldest slots have left the window so that what remains leaves room for one more request and its tokens.
    /// </summary>
    /// <param name="window">The refusing minute window, from <see cref="Windows"/>.</param>
    /// <param name="slots">The window's rows, slot by slot, oldest first (from <see cref="QuotaWindowLimit.From"/> on).</param>
    /// <param name="tokens">The request's tokens.</param>
    /// <returns>
    /// The instant; <see cref="QuotaWindowLimit.Start"/> when the request already fits (a settlement freed room
    /// meanwhile); <see langword="null"/> when it can never fit (more tokens than the per-minute limit, or a limit of 0).
    /// </returns>
    public static DateTimeOffset? SlidingRetryAt(in QuotaWindowLimit window, ReadOnlySpan<QuotaSlot> slots, long tokens)
    {
        if (!Fits(0, 0, window.RequestLimit, window.TokenLimit, tokens))
        {
            return null;
        }

        long requests = 0, counted = 0;
        foreach (var slot in slots)
        {
            if (InWindow(slot, window))
            {
                requests += slot.Requests;
                counted += slot.Tokens;
            }
        }

        if (Fits(requests, counted, window.RequestLimit, window.TokenLimit, tokens))
        {
            return window.Start;
        }

        foreach (var slot in slots)
        {
            if (!InWindow(slot, window))
            {
                continue;
            }

            requests -= slot.Requests;
            counted -= slot.Tokens;
            if (Fits(requests, counted, window.RequestLimit, window.TokenLimit, tokens))
            {
                return QuotaWindows.SlotLeavesWindow(slot);
            }
        }

        return window.RetryAt;
    }

    /// <summary>
    /// Whether a window counts a row: every row starting at <see cref="QuotaWindowLimit.From"/> or later (a row after
    /// <see cref="QuotaWindowLimit.Start"/> was counted by a concurrent caller whose clock read later, and counts too),
    /// except the oldest when all it counted was counted at or before <see cref="QuotaWindowLimit.Since"/> (60 seconds
    /// ago: those requests have left the sliding minute).
    /// </summary>
    /// <param name="slot">The row.</param>
    /// <param name="window">The window.</param>
    /// <returns><see langword="true"/> when the row's requests and tokens count against the window's limits.</returns>
    public static bool InWindow(in QuotaSlot slot, in QuotaWindowLimit window) =>
        slot.Start >= window.From && (slot.Start > window.From || slot.LastCounted is not { } last || last > window.Since);

    /// <summary>Whether one more request of <paramref name="tokens"/> fits a window that has counted <paramref name="requests"/> and <paramref name="countedTokens"/>.</summary>
    /// <param name="requests">Requests counted in the window.</param>
    /// <param name="countedTokens">Tokens counted in the window.</param>
    /// <param name="requestLimit">The window's request limit, if any.</param>
    /// <param name="tokenLimit">The window's token limit, if any.</param>
    /// <param name="tokens">The request's tokens.</param>
    /// <returns><see langword="true"/> when both limits still hold after counting the request.</returns>
    public static bool Fits(long requests, long countedTokens, int? requestLimit, long? tokenLimit, long tokens) =>
        (requestLimit is not { } r || requests + 1 <= r) && (tokenLimit is not { } t || countedTokens + tokens <= t);

    /// <summary>
    /// The tokens a request counts in a window: its input estimate in a per-minute window (Google's per-minute token limit
    /// counts input tokens), its total estimate in a day window (what billing counts).
    /// </summary>
    /// <param name="window">The window.</param>
    /// <param name="request">The request.</param>
    /// <returns><see cref="QuotaReservationRequest.InputTokens"/> (or <see cref="QuotaReservationRequest.Tokens"/> when not given) for a minute window, <see cref="QuotaReservationRequest.Tokens"/> for a day window.</returns>
    public static long WindowTokens(in QuotaWindowLimit window, QuotaReservationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        return window.Kind == QuotaWindowKind.Minute ? request.MinuteTokens : request.Tokens;
    }

    /// <summary>Checks the windows in order against what each has counted.</summary>
    /// <param name="windows">The windows, from <see cref="Windows"/>.</param>
    /// <param name="counted">What each window (same index) has counted over its rows: requests and tokens (input tokens in a minute window, total tokens in a day window).</param>
    /// <param name="request">The request; each window is checked with <see cref="WindowTokens"/>.</param>
    /// <param name="status">The key's status (reported with a refusal).</param>
    /// <returns>
    /// The first full window's refusal (with its <see cref="QuotaWindowLimit.RetryAt"/>; <see cref="Refuse"/> gives the
    /// exact instant from the slots), or <see langword="null"/> when the request fits all of them.
    /// </returns>
    public static QuotaReservationResult? CheckWindows(ReadOnlySpan<QuotaWindowLimit> windows, ReadOnlySpan<(long Requests, long Tokens)> counted, QuotaReservationRequest request, ApiKeyStatus status)
    {
        var full = FirstFullWindow(windows, counted, request);
        return full < 0 ? null : QuotaReservationResult.Rejected(windows[full].Reason, status, windows[full].RetryAt);
    }

    /// <summary>Finds the first window, in order, that has no room for the request.</summary>
    /// <param name="windows">The windows, from <see cref="Windows"/>.</param>
    /// <param name="counted">What each window (same index) has counted over its rows: requests and tokens (input tokens in a minute window, total tokens in a day window).</param>
    /// <param name="request">The request; each window is checked with <see cref="WindowTokens"/>.</param>
    /// <returns>The window's index, or -1 when the request fits all of them.</returns>
    public static int FirstFullWindow(ReadOnlySpan<QuotaWindowLimit> windows, ReadOnlySpan<(long Requests, long Tokens)> counted, QuotaReservationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (counted.Length != windows.Length)
        {
            throw new ArgumentException("One count per window is required.", nameof(counted));
        }

        for (var i = 0; i < windows.Length; i++)
        {
            var w = windows[i];
            if (!Fits(counted[i].Requests, counted[i].Tokens, w.RequestLimit, w.TokenLimit, WindowTokens(w, request)))
            {
                return i;
            }
        }

        return -1;
    }

    /// <summary>The refusal of a full window, naming when the request fits it: a day window's end, a minute window's exact instant from its slots.</summary>
    /// <param name="window">The full window.</param>
    /// <param name="slots">What a minute window counts, slot by slot, oldest first (ignored for a day window).</param>
    /// <param name="request">The request; the window is checked with <see cref="WindowTokens"/>.</param>
    /// <param name="status">The key's status (reported with the refusal).</param>
    /// <returns>The refusal; its <see cref="QuotaReservationResult.RetryAt"/> is <see langword="null"/> when the request can never fit a minute window.</returns>
    public static QuotaReservationResult Refuse(in QuotaWindowLimit window, ReadOnlySpan<QuotaSlot> slots, QuotaReservationRequest request, ApiKeyStatus status)
    {
        var retryAt = window.Kind == QuotaWindowKind.Minute ? SlidingRetryAt(window, slots, WindowTokens(window, request)) : window.RetryAt;
        return QuotaReservationResult.Rejected(window.Reason, status, retryAt);
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
    /// <summary>The sliding 60 seconds before an admission, counted in one-second slots (see <see cref="QuotaWindows"/>).</summary>
    Minute = 0,

    /// <summary>A Pacific day.</summary>
    Day = 1,
}

/// <summary>One rate window a reservation must fit.</summary>
/// <param name="Scope">Whether the window counts a key or a project.</param>
/// <param name="Id">The key or project id.</param>
/// <param name="Kind">The window's length.</param>
/// <param name="From">The start of the oldest counter row the window sums (a minute window's oldest slot; a day window's start).</param>
/// <param name="Since">What was counted at or before this instant has left the window: the row at <see cref="From"/> is skipped when its last count is that old (60 seconds before now for a minute window; before the day for a day window).</param>
/// <param name="Start">The start of the counter row a grant is counted in (a minute window's current slot; a day window's start).</param>
/// <param name="RequestLimit">The request limit, if any.</param>
/// <param name="TokenLimit">The token limit, if any.</param>
/// <param name="Reason">The refusal when the window is full.</param>
/// <param name="RetryAt">When the window surely has room again if the request fits it at all: a day's end; for a minute window, when every slot counted now has left it (<see cref="QuotaAdmission.SlidingRetryAt"/> gives the exact instant).</param>
public readonly record struct QuotaWindowLimit(QuotaScope Scope, string Id, QuotaWindowKind Kind, DateTimeOffset From, DateTimeOffset Since, DateTimeOffset Start, int? RequestLimit, long? TokenLimit, QuotaRejectionReason Reason, DateTimeOffset RetryAt);

/// <summary>What one counter row of a window holds: a minute window's one-second slot, or a day.</summary>
/// <param name="Start">The row's start.</param>
/// <param name="Requests">Requests counted in it.</param>
/// <param name="Tokens">Tokens counted in it, reserved then settled: input tokens in a minute window's slot, total tokens in a day.</param>
/// <param name="LastCounted">When it last counted a request, if known (rows written before it was recorded are counted whole).</param>
public readonly record struct QuotaSlot(DateTimeOffset Start, long Requests, long Tokens, DateTimeOffset? LastCounted);
