using System.Data.Common;

namespace InvoiceOcr.Sdk.Persistence.Ado;

/// <summary>
/// The admission rules of a quota reservation, the same in every ADO.NET store: the key checks (company, status,
/// expiry, lifetime limit and headroom, cooldown) in that order, and the four rate windows a grant must fit. The store
/// runs them inside its write transaction; the counting itself stays in each provider's SQL.
/// </summary>
internal static class AdoQuotaAdmission
{
    /// <summary>The window kind of a per-minute counter.</summary>
    public const int MinuteWindow = 0;

    /// <summary>The window kind of a per-day counter.</summary>
    public const int DayWindow = 1;

    /// <summary>Reads the key row selected for a reservation: company, project, status, expiry, lifetime limit, used, reserved, cooldown, then the four rate limits.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="reader">The reader, on a row.</param>
    /// <returns>The key's admission state.</returns>
    public static ReserveKeyState ReadKey(AdoDialect d, DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        (ApiKeyStatus)d.ReadSmallInteger(reader, 2),
        d.ReadNullableTime(reader, 3),
        AdoReader.NullableInt64(reader, 4),
        reader.GetInt64(5),
        reader.GetInt64(6),
        d.ReadNullableTime(reader, 7),
        AdoKeyMapping.ReadLimits(reader, 8));

    /// <summary>Applies the key checks in order.</summary>
    /// <param name="key">The key's admission state.</param>
    /// <param name="request">The request.</param>
    /// <param name="now">The store's current time.</param>
    /// <returns>The first rejection, or <see langword="null"/> when the key admits the request.</returns>
    public static QuotaReservationResult? CheckKey(in ReserveKeyState key, QuotaReservationRequest request, DateTimeOffset now)
    {
        if (!string.Equals(key.CompanyId, request.CompanyId, StringComparison.Ordinal))
        {
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

    /// <summary>The four windows a grant must fit: the key's minute and day, then its project's minute and day.</summary>
    /// <param name="keyId">The key.</param>
    /// <param name="projectId">The key's project.</param>
    /// <param name="keyLimits">The key's rate limits.</param>
    /// <param name="projectLimits">The project's rate limits.</param>
    /// <param name="now">The store's current time.</param>
    /// <returns>The windows, in the order to count them.</returns>
    public static QuotaWindow[] Windows(string keyId, string projectId, QuotaLimits keyLimits, QuotaLimits projectLimits, DateTimeOffset now)
    {
        var minute = QuotaWindows.MinuteStart(now);
        var day = QuotaWindows.DayStart(now);
        return
        [
            new(0, keyId, MinuteWindow, minute, keyLimits.RequestsPerMinute, keyLimits.TokensPerMinute, QuotaRejectionReason.KeyMinuteLimit, QuotaWindows.MinuteEnd(now)),
            new(0, keyId, DayWindow, day, keyLimits.RequestsPerDay, keyLimits.TokensPerDay, QuotaRejectionReason.KeyDayLimit, QuotaWindows.DayEnd(now)),
            new(1, projectId, MinuteWindow, minute, projectLimits.RequestsPerMinute, projectLimits.TokensPerMinute, QuotaRejectionReason.ProjectMinuteLimit, QuotaWindows.MinuteEnd(now)),
            new(1, projectId, DayWindow, day, projectLimits.RequestsPerDay, projectLimits.TokensPerDay, QuotaRejectionReason.ProjectDayLimit, QuotaWindows.DayEnd(now)),
        ];
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
internal readonly record struct ReserveKeyState(
    string CompanyId,
    string ProjectId,
    ApiKeyStatus Status,
    DateTimeOffset? ExpiresAt,
    long? LifetimeLimit,
    long Used,
    long Reserved,
    DateTimeOffset? CooldownUntil,
    QuotaLimits Rates);

/// <summary>One rate window a reservation must fit.</summary>
/// <param name="Scope">0 for a key's counter, 1 for a project's.</param>
/// <param name="Id">The key or project id.</param>
/// <param name="Kind"><see cref="AdoQuotaAdmission.MinuteWindow"/> or <see cref="AdoQuotaAdmission.DayWindow"/>.</param>
/// <param name="Start">The window's start.</param>
/// <param name="Requests">The request limit, if any.</param>
/// <param name="Tokens">The token limit, if any.</param>
/// <param name="Reason">The rejection reason when the window is full.</param>
/// <param name="RetryAt">When the window ends.</param>
internal readonly record struct QuotaWindow(int Scope, string Id, int Kind, DateTimeOffset Start, int? Requests, long? Tokens, QuotaRejectionReason Reason, DateTimeOffset RetryAt);
