using InvoiceOcr.Sdk.Persistence.Ado;
using InvoiceOcr.Sdk.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace InvoiceOcr.Sdk;

/// <content>Exact quotas: <see cref="IQuotaStore"/>. Every counter moves by a conditional statement inside one IMMEDIATE transaction.</content>
public sealed partial class SqliteInvoiceOcrStore
{
    private const int MinuteWindow = AdoQuotaAdmission.MinuteWindow;
    private const int DayWindow = AdoQuotaAdmission.DayWindow;

    /// <summary>The key's admission state (columns 0-11, as <see cref="AdoQuotaAdmission.ReadKey"/> reads them) and its project's limits and block (12-17; NULL without a project row), in one statement.</summary>
    internal const string SelectKeyForReserveSql =
        "SELECT t.CompanyId, t.ProjectId, t.Status, t.ExpiresAtUtc, t.LifetimeTokenLimit, t.TokensUsed, t.TokensReserved, t.CooldownUntilUtc, " +
        "t.RequestsPerMinute, t.RequestsPerDay, t.TokensPerMinute, t.TokensPerDay, " +
        "p.ProjectId, p.RequestsPerMinute, p.RequestsPerDay, p.TokensPerMinute, p.TokensPerDay, p.BlockedUntilUtc " +
        "FROM TokenMaster AS t LEFT JOIN QuotaProjects AS p ON p.ProjectId = t.ProjectId WHERE t.TokenId = $id;";

    internal const string CountWindowSql =
        "INSERT INTO QuotaWindows (Scope, ScopeId, WindowKind, WindowStartUtc, Requests, Tokens) " +
        "SELECT $scope, $scopeId, $kind, $start, 1, $tokens WHERE ($requestLimit IS NULL OR 1 <= $requestLimit) AND ($tokenLimit IS NULL OR $tokens <= $tokenLimit) " +
        "ON CONFLICT (Scope, ScopeId, WindowKind, WindowStartUtc) DO UPDATE SET Requests = QuotaWindows.Requests + 1, Tokens = QuotaWindows.Tokens + excluded.Tokens " +
        "WHERE ($requestLimit IS NULL OR QuotaWindows.Requests + 1 <= $requestLimit) AND ($tokenLimit IS NULL OR QuotaWindows.Tokens + excluded.Tokens <= $tokenLimit) " +
        "RETURNING Requests;";

    internal const string ReserveLifetimeSql =
        "UPDATE TokenMaster SET TokensReserved = TokensReserved + $tokens WHERE TokenId = $id AND Status = 0 " +
        "AND (LifetimeTokenLimit IS NULL OR TokensUsed + TokensReserved + $tokens <= LifetimeTokenLimit);";

    internal const string InsertReservationSql =
        "INSERT INTO QuotaReservations (ReservationId, TokenId, CompanyId, ProjectId, Tokens, MinuteWindowStartUtc, DayWindowStartUtc, CreatedAtUtc, ExpiresAtUtc) " +
        "VALUES ($id, $keyId, $companyId, $projectId, $tokens, $minute, $day, $now, $expires);";

    internal const string DeleteReservationSql =
        "DELETE FROM QuotaReservations WHERE ReservationId = $id RETURNING TokenId, ProjectId, Tokens, MinuteWindowStartUtc, DayWindowStartUtc;";

    internal const string SettleKeySql =
        "UPDATE TokenMaster SET TokensUsed = TokensUsed + $actual, TokensReserved = MAX(0, TokensReserved - $reserved), UpdatedAtUtc = $now " +
        "WHERE TokenId = $id RETURNING TokensUsed, LifetimeTokenLimit, Status;";

    internal const string ReleaseKeySql =
        "UPDATE TokenMaster SET TokensReserved = MAX(0, TokensReserved - $reserved) WHERE TokenId = $id;";

    internal const string AdjustWindowTokensSql =
        "UPDATE QuotaWindows SET Tokens = MAX(0, Tokens + $delta) " +
        "WHERE ((Scope = 0 AND ScopeId = $keyId) OR (Scope = 1 AND ScopeId = $projectId)) " +
        "AND ((WindowKind = 0 AND WindowStartUtc = $minute) OR (WindowKind = 1 AND WindowStartUtc = $day));";

    private static readonly AdoQuotaSettlementSql SettlementSql = new(DeleteReservationSql, SettleKeySql, ReleaseKeySql, AdjustWindowTokensSql);

    internal const string SelectCooldownSql = "SELECT CooldownUntilUtc FROM TokenMaster WHERE TokenId = $id;";

    internal const string SetCooldownSql = "UPDATE TokenMaster SET CooldownUntilUtc = $until WHERE TokenId = $id;";

    internal const string BlockProjectSql =
        "INSERT INTO QuotaProjects (ProjectId, BlockedUntilUtc, UpdatedAtUtc) VALUES ($projectId, $until, $now) " +
        "ON CONFLICT (ProjectId) DO UPDATE SET BlockedUntilUtc = CASE WHEN QuotaProjects.BlockedUntilUtc IS NOT NULL AND QuotaProjects.BlockedUntilUtc > excluded.BlockedUntilUtc " +
        "THEN QuotaProjects.BlockedUntilUtc ELSE excluded.BlockedUntilUtc END, UpdatedAtUtc = excluded.UpdatedAtUtc RETURNING BlockedUntilUtc;";

    internal const string SelectWindowSql =
        "SELECT Requests, Tokens FROM QuotaWindows WHERE Scope = $scope AND ScopeId = $scopeId AND WindowKind = $kind AND WindowStartUtc = $start;";

    internal const string SelectExpiredReservationsSql =
        "SELECT ReservationId FROM QuotaReservations WHERE ExpiresAtUtc <= $now ORDER BY ExpiresAtUtc, ReservationId;";

    internal const string PruneWindowsSql =
        "DELETE FROM QuotaWindows WHERE (WindowKind = 0 AND WindowStartUtc < $minuteCutoff) OR (WindowKind = 1 AND WindowStartUtc < $dayCutoff);";

    /// <inheritdoc />
    public Task<QuotaReservationResult> ReserveAsync(QuotaReservationRequest request, CancellationToken cancellationToken)
    {
        InvoiceOcrStoreValidation.Validate(request);
        return WriteOrRollbackAsync(
            SqliteSynchronous.Normal,
            async (connection, transaction) =>
            {
                var now = Now;
                using var select = Command(connection, transaction, SelectKeyForReserveSql, ("$id", request.KeyId));
                ReserveKeyState key;
                QuotaLimits? projectLimits = null;
                DateTimeOffset? projectBlockedUntil = null;
                using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return (QuotaReservationResult.Rejected(QuotaRejectionReason.KeyNotFound), false);
                    }

                    key = AdoQuotaAdmission.ReadKey(SqliteDialect.Instance, reader);
                    if (!reader.IsDBNull(12))
                    {
                        projectLimits = ReadLimits(reader, 13);
                        projectBlockedUntil = SqliteDatabase.ReadTime(reader, 17);
                    }
                }

                if (AdoQuotaAdmission.CheckKey(key, request, now) is { } keyRejection)
                {
                    return (keyRejection, false);
                }

                var (companyId, projectId, status) = (key.CompanyId, key.ProjectId, key.Status);
                if (projectBlockedUntil is { } blocked && blocked > now)
                {
                    return (QuotaReservationResult.Rejected(QuotaRejectionReason.ProjectBlocked, status, blocked), false);
                }

                var minute = QuotaWindows.MinuteStart(now);
                var day = QuotaWindows.DayStart(now);
                var windows = AdoQuotaAdmission.Windows(request.KeyId, projectId, key.Rates, projectLimits ?? QuotaLimits.None, now);
                foreach (var window in windows)
                {
                    using var count = Command(
                        connection,
                        transaction,
                        CountWindowSql,
                        ("$scope", window.Scope),
                        ("$scopeId", window.Id),
                        ("$kind", window.Kind),
                        ("$start", SqliteDatabase.Time(window.Start)),
                        ("$tokens", request.Tokens),
                        ("$requestLimit", window.Requests),
                        ("$tokenLimit", window.Tokens));
                    if (await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is null)
                    {
                        return (QuotaReservationResult.Rejected(window.Reason, status, window.RetryAt), false);
                    }
                }

                using var hold = Command(connection, transaction, ReserveLifetimeSql, ("$id", request.KeyId), ("$tokens", request.Tokens));
                if (await hold.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                {
                    return (QuotaReservationResult.Rejected(QuotaRejectionReason.LifetimeHeadroomInsufficient, status), false);
                }

                var reservation = new QuotaReservation("r-" + Guid.NewGuid().ToString("N"), request.KeyId, companyId, projectId, request.Tokens, minute, day, now, now + request.TimeToLive);
                using var insert = Command(
                    connection,
                    transaction,
                    InsertReservationSql,
                    ("$id", reservation.Id),
                    ("$keyId", reservation.KeyId),
                    ("$companyId", reservation.CompanyId),
                    ("$projectId", reservation.ProjectId),
                    ("$tokens", reservation.Tokens),
                    ("$minute", SqliteDatabase.Time(minute)),
                    ("$day", SqliteDatabase.Time(day)),
                    ("$now", SqliteDatabase.Time(now)),
                    ("$expires", SqliteDatabase.Time(reservation.ExpiresAt)));
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return (QuotaReservationResult.Granted(reservation), true);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<QuotaSettlement?> SettleAsync(string reservationId, long actualTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservationId);
        ArgumentOutOfRangeException.ThrowIfNegative(actualTokens);
        return WriteAsync(
            SqliteSynchronous.Normal,
            (connection, transaction) =>
            {
                var now = Now;
                return AdoQuotaSettlement.SettleAsync(
                    SqliteDialect.Instance,
                    sql => Command(connection, transaction, sql),
                    SettlementSql,
                    reservationId,
                    actualTokens,
                    now,
                    (keyId, reason) => ChangeStatusAsync(connection, transaction, keyId, ApiKeyStatus.Active, ApiKeyStatus.Exceeded, reason, now, cancellationToken),
                    cancellationToken);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> ReleaseAsync(string reservationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservationId);
        return WriteAsync(
            SqliteSynchronous.Normal,
            (connection, transaction) => AdoQuotaSettlement.ReleaseAsync(SqliteDialect.Instance, sql => Command(connection, transaction, sql), SettlementSql, reservationId, cancellationToken),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DateTimeOffset?> CoolDownKeyAsync(string keyId, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return WriteAsync<DateTimeOffset?>(
            SqliteSynchronous.Normal,
            async (connection, transaction) =>
            {
                using var select = Command(connection, transaction, SelectCooldownSql, ("$id", keyId));
                DateTimeOffset? existing;
                using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return null;
                    }

                    existing = SqliteDatabase.ReadTime(reader, 0);
                }

                var until = Now + duration;
                if (existing is { } current && current >= until)
                {
                    return current;
                }

                using var update = Command(connection, transaction, SetCooldownSql, ("$id", keyId), ("$until", SqliteDatabase.Time(until)));
                await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return until;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DateTimeOffset> BlockProjectForDayAsync(string projectId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(projectId);
        return WriteAsync(
            SqliteSynchronous.Normal,
            async (connection, transaction) =>
            {
                var now = Now;
                using var command = Command(connection, transaction, BlockProjectSql, ("$projectId", projectId), ("$until", SqliteDatabase.Time(QuotaWindows.DayEnd(now))), ("$now", SqliteDatabase.Time(now)));
                return SqliteDatabase.ParseTime((string)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<QuotaWindowUsage> GetWindowUsageAsync(QuotaScope scope, string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return ReadAsync(
            async connection =>
            {
                var now = Now;
                var minute = QuotaWindows.MinuteStart(now);
                var day = QuotaWindows.DayStart(now);
                var (minuteRequests, minuteTokens) = await ReadWindowAsync(connection, scope, id, MinuteWindow, minute, cancellationToken).ConfigureAwait(false);
                var (dayRequests, dayTokens) = await ReadWindowAsync(connection, scope, id, DayWindow, day, cancellationToken).ConfigureAwait(false);
                return new QuotaWindowUsage(scope, id, minute, minuteRequests, minuteTokens, day, dayRequests, dayTokens);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<int> ReclaimExpiredReservationsAsync(CancellationToken cancellationToken) =>
        WriteAsync(
            SqliteSynchronous.Normal,
            async (connection, transaction) =>
            {
                var now = Now;
                var expired = new List<string>();
                using (var select = Command(connection, transaction, SelectExpiredReservationsSql, ("$now", SqliteDatabase.Time(now))))
                using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        expired.Add(reader.GetString(0));
                    }
                }

                foreach (var id in expired)
                {
                    await AdoQuotaSettlement.ReleaseAsync(SqliteDialect.Instance, sql => Command(connection, transaction, sql), SettlementSql, id, cancellationToken).ConfigureAwait(false);
                }

                using var prune = Command(
                    connection,
                    transaction,
                    PruneWindowsSql,
                    ("$minuteCutoff", SqliteDatabase.Time(QuotaWindows.MinuteStart(now).AddMinutes(-2))),
                    ("$dayCutoff", SqliteDatabase.Time(QuotaWindows.DayStart(now).AddDays(-2))));
                await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return expired.Count;
            },
            cancellationToken);

    private static async Task<(long Requests, long Tokens)> ReadWindowAsync(SqliteConnection connection, QuotaScope scope, string id, int kind, DateTimeOffset start, CancellationToken cancellationToken)
    {
        using var command = Command(connection, null, SelectWindowSql, ("$scope", (int)scope), ("$scopeId", id), ("$kind", kind), ("$start", SqliteDatabase.Time(start)));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
    }

    private async Task<T> WriteOrRollbackAsync<T>(SqliteSynchronous synchronous, Func<SqliteConnection, SqliteTransaction, Task<(T Result, bool Commit)>> body, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _database.OpenAsync(synchronous, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = connection.BeginTransaction(deferred: false);
                await using (transaction.ConfigureAwait(false))
                {
                    var (result, commit) = await body(connection, transaction).ConfigureAwait(false);
                    if (commit)
                    {
                        Committing?.Invoke(connection, transaction);
                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    }

                    return result;
                }
            }
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUnavailable(ex))
        {
            throw _database.Translate(ex);
        }
    }
}
