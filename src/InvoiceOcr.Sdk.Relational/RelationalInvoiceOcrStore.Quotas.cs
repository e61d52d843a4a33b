using System.Data.Common;
using System.Globalization;
using InvoiceOcr.Sdk.Storage;

namespace InvoiceOcr.Sdk.Relational;

/// <content>Exact quotas: <see cref="IQuotaStore"/>. Every counter moves by a conditional statement inside one write transaction.</content>
public abstract partial class RelationalInvoiceOcrStore
{
    /// <inheritdoc />
    public Task<QuotaReservationResult> ReserveAsync(QuotaReservationRequest request, CancellationToken cancellationToken)
    {
        InvoiceOcrStoreValidation.Validate(request);
        return WriteOrRollbackAsync(
            RelationalWork.Quota,
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);

                // Lock order: the key row first, then its windows (key minute, key day, project minute, project day).
                QuotaKeyState key;
                ProjectQuota? project = null;
                var projectRead = false;
                using (var select = Command(connection, transaction, Statements.SelectKeyForReserve, ("id", request.KeyId)))
                {
                    var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                    await using (reader.ConfigureAwait(false))
                    {
                        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            return (QuotaReservationResult.Rejected(QuotaRejectionReason.KeyNotFound), false);
                        }

                        key = RelationalKeyMapping.ReadReserveState(Dialect, reader);
                        if (reader.FieldCount >= 18)
                        {
                            projectRead = true;
                            project = reader.IsDBNull(12) ? null : ReadProject(reader, 12);
                        }
                    }
                }

                if (QuotaAdmission.CheckKey(key, request, now) is { } keyRefusal)
                {
                    return (keyRefusal, false);
                }

                if (!projectRead)
                {
                    project = await ReadProjectAsync(connection, transaction, key.ProjectId, cancellationToken).ConfigureAwait(false);
                }

                if (QuotaAdmission.CheckProject(project?.BlockedUntil, key.Status, now) is { } projectRefusal)
                {
                    return (projectRefusal, false);
                }

                var windows = QuotaAdmission.Windows(request.KeyId, key.ProjectId, key.Rates, project?.Limits ?? QuotaLimits.None, now);
                foreach (var window in windows)
                {
                    // The statement's condition is QuotaAdmission.Fits: the check and the count are one atomic step.
                    using var count = Command(
                        connection,
                        transaction,
                        Statements.CountWindow,
                        ("scope", Dialect.SmallInteger((int)window.Scope)),
                        ("scopeId", window.Id),
                        ("kind", Dialect.SmallInteger((int)window.Kind)),
                        ("start", Dialect.Time(window.Start)),
                        ("tokens", request.Tokens),
                        ("requestLimit", window.RequestLimit),
                        ("tokenLimit", window.TokenLimit));
                    var counted = await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    if (counted is null or DBNull || Convert.ToInt64(counted, CultureInfo.InvariantCulture) == 0)
                    {
                        return (QuotaReservationResult.Rejected(window.Reason, key.Status, window.RetryAt), false);
                    }
                }

                using (var hold = Command(connection, transaction, Statements.ReserveLifetime, ("id", request.KeyId), ("tokens", request.Tokens)))
                {
                    if (await hold.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
                    {
                        return (QuotaReservationResult.Rejected(QuotaRejectionReason.LifetimeHeadroomInsufficient, key.Status), false);
                    }
                }

                var minute = windows[0].Start;
                var day = windows[1].Start;
                var reservation = new QuotaReservation("r-" + Guid.NewGuid().ToString("N"), request.KeyId, key.CompanyId, key.ProjectId, request.Tokens, minute, day, now, now + request.TimeToLive);
                using var insert = Command(
                    connection,
                    transaction,
                    Statements.InsertReservation,
                    ("id", reservation.Id),
                    ("keyId", reservation.KeyId),
                    ("companyId", reservation.CompanyId),
                    ("projectId", reservation.ProjectId),
                    ("tokens", reservation.Tokens),
                    ("minute", Dialect.Time(minute)),
                    ("day", Dialect.Time(day)),
                    ("now", Dialect.Time(now)),
                    ("expires", Dialect.Time(reservation.ExpiresAt)));
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
        return SettleCoreAsync(reservationId, actualTokens, cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> ReleaseAsync(string reservationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservationId);
        return WriteAsync(
            RelationalWork.Quota,
            (connection, transaction) => RelationalQuotaSettlement.ReleaseAsync(Dialect, sql => Connections.CreateCommand(connection, transaction, sql), Statements, reservationId, cancellationToken),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DateTimeOffset?> CoolDownKeyAsync(string keyId, TimeSpan duration, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentOutOfRangeException.ThrowIfLessThan(duration, TimeSpan.Zero);
        return WriteAsync(
            RelationalWork.Quota,
            async (connection, transaction) =>
            {
                var until = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false) + duration;
                using var update = Command(connection, transaction, Statements.SetCooldown, ("id", keyId), ("until", Dialect.Time(until)));
                return await ReadFirstTimeAsync(update, Dialect, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<DateTimeOffset> BlockProjectForDayAsync(string projectId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(projectId);
        return WriteAsync(
            RelationalWork.Quota,
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                using var command = Command(connection, transaction, Statements.BlockProject, ("projectId", projectId), ("until", Dialect.Time(QuotaWindows.DayEnd(now))), ("now", Dialect.Time(now)));
                return await ReadFirstTimeAsync(command, Dialect, cancellationToken).ConfigureAwait(false)
                    ?? throw new InvalidOperationException("Blocking the project returned no row.");
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
                var (minuteRequests, minuteTokens) = await ReadWindowAsync(connection, scope, id, QuotaWindowKind.Minute, minute, cancellationToken).ConfigureAwait(false);
                var (dayRequests, dayTokens) = await ReadWindowAsync(connection, scope, id, QuotaWindowKind.Day, day, cancellationToken).ConfigureAwait(false);
                return new QuotaWindowUsage(scope, id, minute, minuteRequests, minuteTokens, day, dayRequests, dayTokens);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Each expired reservation is charged at its estimate in its own transaction, with the lock order of ending an attempt
    /// (the journaled attempt that holds it, which becomes outcome-unknown, then its reservation row, its key row, then its
    /// key's and project's windows), so reclaiming never holds one key's locks while waiting
    /// for another's: it cannot deadlock with reservations and settlements on other keys of the same project.
    /// </remarks>
    public async Task<int> ReclaimExpiredReservationsAsync(CancellationToken cancellationToken)
    {
        var (expired, now) = await ReadAsync(
            async connection =>
            {
                var now = await NowAsync(connection, null, cancellationToken).ConfigureAwait(false);
                using var select = Command(connection, null, Statements.SelectExpiredReservations, ("now", Dialect.Time(now)));
                return (await ReadAllAsync(select, static r => r.GetString(0), cancellationToken).ConfigureAwait(false), now);
            },
            cancellationToken).ConfigureAwait(false);

        var charged = 0;
        foreach (var id in expired)
        {
            // Charged at the reservation's estimate, its journaled attempt listed as outcome-unknown. A concurrent settle or
            // reclaim that won makes it a no-op.
            if (await ReclaimExpiredAsync(id, cancellationToken).ConfigureAwait(false) is not null)
            {
                charged++;
            }
        }

        await WriteAsync(
            RelationalWork.Quota,
            async (connection, transaction) =>
            {
                using var prune = Command(
                    connection,
                    transaction,
                    Statements.PruneWindows,
                    ("minuteCutoff", Dialect.Time(QuotaWindows.MinuteStart(now).AddMinutes(-2))),
                    ("dayCutoff", Dialect.Time(QuotaWindows.DayStart(now).AddDays(-2))));
                return await prune.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);
        return charged;
    }

    private Task<QuotaSettlement?> SettleCoreAsync(string reservationId, long? actualTokens, CancellationToken cancellationToken) =>
        WriteAsync(
            RelationalWork.Quota,
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                return await RelationalQuotaSettlement.SettleAsync(
                    Dialect,
                    sql => Connections.CreateCommand(connection, transaction, sql),
                    Statements,
                    reservationId,
                    actualTokens,
                    now,
                    (keyId, reason) => ChangeStatusAsync(connection, transaction, keyId, ApiKeyStatus.Active, ApiKeyStatus.Exceeded, reason, now, cancellationToken),
                    cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    private async Task<(long Requests, long Tokens)> ReadWindowAsync(DbConnection connection, QuotaScope scope, string id, QuotaWindowKind kind, DateTimeOffset start, CancellationToken cancellationToken)
    {
        using var command = Command(connection, null, Statements.SelectWindow, ("scope", Dialect.SmallInteger((int)scope)), ("scopeId", id), ("kind", Dialect.SmallInteger((int)kind)), ("start", Dialect.Time(start)));
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? (reader.GetInt64(0), reader.GetInt64(1)) : (0, 0);
        }
    }
}
