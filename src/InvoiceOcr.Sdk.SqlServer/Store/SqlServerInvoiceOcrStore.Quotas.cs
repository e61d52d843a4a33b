using InvoiceOcr.Sdk.Persistence.Ado;
using InvoiceOcr.Sdk.SqlServer.Internal;
using Microsoft.Data.SqlClient;
using Q = InvoiceOcr.Sdk.SqlServer.Store.SqlServerQueries;

namespace InvoiceOcr.Sdk;

/// <content>Exact quotas: <see cref="IQuotaStore"/>. Every counter moves by a conditional statement inside one IMMEDIATE transaction.</content>
public sealed partial class SqlServerInvoiceOcrStore
{
    private const int MinuteWindow = AdoQuotaAdmission.MinuteWindow;
    private const int DayWindow = AdoQuotaAdmission.DayWindow;

    private static readonly AdoQuotaSettlementSql SettlementSql = new(Q.DeleteReservation, Q.SettleKey, Q.ReleaseKey, Q.AdjustWindowTokens);

    /// <inheritdoc />
    public Task<QuotaReservationResult> ReserveAsync(QuotaReservationRequest request, CancellationToken cancellationToken)
    {
        InvoiceOcrStoreValidation.Validate(request);
        return WriteOrRollbackAsync(
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                using var select = Command(connection, transaction, Q.SelectKeyForReserve, ("@id", request.KeyId));
                ReserveKeyState key;
                using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return (QuotaReservationResult.Rejected(QuotaRejectionReason.KeyNotFound), false);
                    }

                    key = AdoQuotaAdmission.ReadKey(SqlServerDialect.Instance, reader);
                }

                if (AdoQuotaAdmission.CheckKey(key, request, now) is { } keyRejection)
                {
                    return (keyRejection, false);
                }

                var (companyId, projectId, status) = (key.CompanyId, key.ProjectId, key.Status);
                var project = await ReadProjectAsync(connection, transaction, projectId, cancellationToken).ConfigureAwait(false);
                if (project?.BlockedUntil is { } blocked && blocked > now)
                {
                    return (QuotaReservationResult.Rejected(QuotaRejectionReason.ProjectBlocked, status, blocked), false);
                }

                var minute = QuotaWindows.MinuteStart(now);
                var day = QuotaWindows.DayStart(now);
                var windows = AdoQuotaAdmission.Windows(request.KeyId, projectId, key.Rates, project?.Limits ?? QuotaLimits.None, now);
                foreach (var window in windows)
                {
                    using var count = Command(
                        connection,
                        transaction,
                        Q.CountWindow,
                        ("@scope", (byte)window.Scope),
                        ("@scopeId", window.Id),
                        ("@kind", (byte)window.Kind),
                        ("@start", AsIs(window.Start)),
                        ("@tokens", request.Tokens),
                        ("@requestLimit", window.Requests),
                        ("@tokenLimit", window.Tokens));
                    if (Convert.ToInt32(await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture) != 1)
                    {
                        return (QuotaReservationResult.Rejected(window.Reason, status, window.RetryAt), false);
                    }
                }

                using var hold = Command(connection, transaction, Q.ReserveLifetime, ("@id", request.KeyId), ("@tokens", request.Tokens));
                if (await hold.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                {
                    return (QuotaReservationResult.Rejected(QuotaRejectionReason.LifetimeHeadroomInsufficient, status), false);
                }

                var reservation = new QuotaReservation("r-" + Guid.NewGuid().ToString("N"), request.KeyId, companyId, projectId, request.Tokens, minute, day, now, now + request.TimeToLive);
                using var insert = Command(
                    connection,
                    transaction,
                    Q.InsertReservation,
                    ("@id", reservation.Id),
                    ("@keyId", reservation.KeyId),
                    ("@companyId", reservation.CompanyId),
                    ("@projectId", reservation.ProjectId),
                    ("@tokens", reservation.Tokens),
                    ("@minute", AsIs(minute)),
                    ("@day", AsIs(day)),
                    ("@now", AsIs(now)),
                    ("@expires", AsIs(reservation.ExpiresAt)));
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
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                return await AdoQuotaSettlement.SettleAsync(
                    SqlServerDialect.Instance,
                    sql => Command(connection, transaction, sql),
                    SettlementSql,
                    reservationId,
                    actualTokens,
                    now,
                    (keyId, reason) => ChangeStatusAsync(connection, transaction, keyId, ApiKeyStatus.Active, ApiKeyStatus.Exceeded, reason, now, cancellationToken),
                    cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> ReleaseAsync(string reservationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservationId);
        return WriteAsync(
            (connection, transaction) => AdoQuotaSettlement.ReleaseAsync(SqlServerDialect.Instance, sql => Command(connection, transaction, sql), SettlementSql, reservationId, cancellationToken),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DateTimeOffset?> CoolDownKeyAsync(string keyId, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return WriteAsync<DateTimeOffset?>(
            async (connection, transaction) =>
            {
                var until = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false) + duration;
                using var update = Command(connection, transaction, Q.SetCooldown, ("@id", keyId), ("@until", until));
                return await update.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is DateTime stored ? Utc(stored) : null;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DateTimeOffset> BlockProjectForDayAsync(string projectId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(projectId);
        return WriteAsync(
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                using var command = Command(connection, transaction, Q.BlockProject, ("@projectId", projectId), ("@until", QuotaWindows.DayEnd(now)), ("@now", now));
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                do
                {
                    if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        return Utc(reader.GetDateTime(0));
                    }
                }
                while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));

                throw new InvalidOperationException("Blocking the project returned no row.");
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
                var now = await NowAsync(connection, null, cancellationToken).ConfigureAwait(false);
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
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                var expired = new List<string>();
                using (var select = Command(connection, transaction, Q.SelectExpiredReservations, ("@now", AsIs(now))))
                using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                {
                    while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                    {
                        expired.Add(reader.GetString(0));
                    }
                }

                foreach (var id in expired)
                {
                    await AdoQuotaSettlement.ReleaseAsync(SqlServerDialect.Instance, sql => Command(connection, transaction, sql), SettlementSql, id, cancellationToken).ConfigureAwait(false);
                }

                using var prune = Command(
                    connection,
                    transaction,
                    Q.PruneWindows,
                    ("@minuteCutoff", AsIs(QuotaWindows.MinuteStart(now).AddMinutes(-2))),
                    ("@dayCutoff", AsIs(QuotaWindows.DayStart(now).AddDays(-2))));
                await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                return expired.Count;
            },
            cancellationToken);

    private async Task<(long Requests, long Tokens)> ReadWindowAsync(SqlConnection connection, QuotaScope scope, string id, int kind, DateTimeOffset start, CancellationToken cancellationToken)
    {
        using var command = Command(connection, null, Q.SelectWindow, ("@scope", (byte)scope), ("@scopeId", id), ("@kind", (byte)kind), ("@start", AsIs(start)));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
    }
}
