using System.Data.Common;
using System.Globalization;
using System.Runtime.CompilerServices;
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

                var projectLimits = project?.Limits ?? QuotaLimits.None;
                if (Statements.LockProject is { } lockProject && HasAny(projectLimits))
                {
                    // The project's windows are shared by its keys: summing a sliding window is exact only while no other
                    // key of the project counts in it. A project without limits admits everything, so needs no lock.
                    using var locking = Command(connection, transaction, lockProject, ("projectId", key.ProjectId));
                    await locking.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                var windows = QuotaAdmission.Windows(request.KeyId, key.ProjectId, key.Rates, projectLimits, now);
                foreach (var window in windows)
                {
                    // The statement's condition is QuotaAdmission.Fits over the window's sums: the check and the count are one atomic step.
                    using var count = Command(
                        connection,
                        transaction,
                        Statements.CountWindow,
                        ("scope", Dialect.SmallInteger((int)window.Scope)),
                        ("scopeId", window.Id),
                        ("kind", Dialect.SmallInteger((int)window.Kind)),
                        ("from", Dialect.Time(window.From)),
                        ("since", Dialect.Time(window.Since)),
                        ("start", Dialect.Time(window.Start)),
                        ("now", Dialect.Time(now)),
                        ("tokens", QuotaAdmission.WindowTokens(window, request)),
                        ("requestLimit", window.RequestLimit),
                        ("tokenLimit", window.TokenLimit));
                    var counted = await count.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false);
                    if (counted is null or DBNull || Convert.ToInt64(counted, CultureInfo.InvariantCulture) == 0)
                    {
                        // Only a refusal reads the slots back, to name the exact instant the request fits.
                        QuotaSlot[] slots = window.Kind == QuotaWindowKind.Minute
                            ? await ReadWindowAsync(connection, transaction, window, cancellationToken).ConfigureAwait(false)
                            : [];
                        return (QuotaAdmission.Refuse(window, slots, request, key.Status), false);
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
                var reservation = new QuotaReservation("r-" + Guid.NewGuid().ToString("N"), request.KeyId, key.CompanyId, key.ProjectId, request.Tokens, minute, day, now, now + request.TimeToLive)
                {
                    InputTokens = request.InputTokens ?? request.Tokens,
                };
                using var insert = Command(
                    connection,
                    transaction,
                    Statements.InsertReservation,
                    ("id", reservation.Id),
                    ("keyId", reservation.KeyId),
                    ("companyId", reservation.CompanyId),
                    ("projectId", reservation.ProjectId),
                    ("tokens", reservation.Tokens),
                    ("inputTokens", reservation.InputTokens),
                    ("minute", Dialect.Time(minute)),
                    ("day", Dialect.Time(day)),
                    ("now", Dialect.Time(now)),
                    ("expires", Dialect.Time(reservation.ExpiresAt)));
                await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                OperationClaimResult? claim = null;
                if (request.Claim is { } wanted)
                {
                    // The call's first reservation claims its operation in the same transaction: one write where there were two.
                    // Taken after the key and its windows, the lock order an attempt's ending also follows (operation last). A
                    // lost claim rolls everything back: nothing reserved, nothing claimed.
                    claim = await ClaimInTransactionAsync(connection, transaction, wanted, now, cancellationToken).ConfigureAwait(false);
                    if (claim.Status != OperationClaimStatus.Claimed)
                    {
                        return (QuotaReservationResult.Rejected(QuotaRejectionReason.OperationNotClaimed, key.Status) with { Claim = claim }, false);
                    }
                }

                if (request.Journal is { } journal)
                {
                    // The attempt is journaled in the reservation's transaction: one write where there were two. It starts at the
                    // reservation's instant, so its row and its charge land in the windows the reservation counted in; a claim
                    // made here numbers it after the attempts the operation's earlier runs journaled.
                    _ = await InsertAttemptAsync(
                        connection,
                        transaction,
                        journal with
                        {
                            KeyId = reservation.KeyId,
                            ProjectId = reservation.ProjectId,
                            ReservationId = reservation.Id,
                            EstimatedTokens = reservation.Tokens,
                            EstimatedInputTokens = reservation.InputTokens,
                            AttemptNumber = claim is null ? journal.AttemptNumber : claim.Operation.AttemptCount + 1,
                            StartedAt = now,
                            ExpiresAt = reservation.ExpiresAt,
                        },
                        cancellationToken).ConfigureAwait(false);
                    reservation = reservation with { AttemptJournaled = true };
                }

                return (claim is null ? QuotaReservationResult.Granted(reservation) : new() { Reservation = reservation, KeyStatus = ApiKeyStatus.Active, Claim = claim }, true);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<QuotaSettlement?> SettleAsync(string reservationId, long actualTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservationId);
        ArgumentOutOfRangeException.ThrowIfNegative(actualTokens);
        return SettleCoreAsync(reservationId, actualTokens, null, cancellationToken);
    }

    /// <inheritdoc />
    public Task<QuotaSettlement?> SettleAsync(string reservationId, long actualTokens, long actualInputTokens, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservationId);
        ArgumentOutOfRangeException.ThrowIfNegative(actualTokens);
        ArgumentOutOfRangeException.ThrowIfNegative(actualInputTokens);
        return SettleCoreAsync(reservationId, actualTokens, actualInputTokens, cancellationToken);
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

                // The windows a reservation would be checked against now; the limits play no part in reading them.
                var windows = QuotaAdmission.Windows(id, id, QuotaLimits.None, QuotaLimits.None, now);
                var (minute, day) = scope == QuotaScope.Key ? (windows[0], windows[1]) : (windows[2], windows[3]);
                var (minuteRequests, minuteTokens) = Sum(await ReadWindowAsync(connection, null, minute, cancellationToken).ConfigureAwait(false), minute);
                var (dayRequests, dayTokens) = Sum(await ReadWindowAsync(connection, null, day, cancellationToken).ConfigureAwait(false), day);
                return new QuotaWindowUsage(scope, id, minute.From, minuteRequests, minuteTokens, day.Start, dayRequests, dayTokens);
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

    private Task<QuotaSettlement?> SettleCoreAsync(string reservationId, long? actualTokens, long? actualInputTokens, CancellationToken cancellationToken, [CallerMemberName] string operation = "") =>
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
                    actualInputTokens,
                    now,
                    (keyId, reason) => ChangeStatusAsync(connection, transaction, keyId, ApiKeyStatus.Active, ApiKeyStatus.Exceeded, reason, now, cancellationToken),
                    cancellationToken).ConfigureAwait(false);
            },
            cancellationToken,
            operation);

    private static bool HasAny(QuotaLimits limits) =>
        limits.RequestsPerMinute is not null || limits.TokensPerMinute is not null || limits.RequestsPerDay is not null || limits.TokensPerDay is not null;

    private static (long Requests, long Tokens) Sum(QuotaSlot[] slots, QuotaWindowLimit window)
    {
        long requests = 0, tokens = 0;
        foreach (var slot in slots)
        {
            if (QuotaAdmission.InWindow(slot, window))
            {
                requests += slot.Requests;
                tokens += slot.Tokens;
            }
        }

        return (requests, tokens);
    }

    /// <summary>Reads a window's rows from its <see cref="QuotaWindowLimit.From"/> on, oldest first.</summary>
    private async Task<QuotaSlot[]> ReadWindowAsync(DbConnection connection, DbTransaction? transaction, QuotaWindowLimit window, CancellationToken cancellationToken)
    {
        using var command = Command(
            connection,
            transaction,
            Statements.SelectWindow,
            ("scope", Dialect.SmallInteger((int)window.Scope)),
            ("scopeId", window.Id),
            ("kind", Dialect.SmallInteger((int)window.Kind)),
            ("from", Dialect.Time(window.From)));
        var slots = await ReadAllAsync(command, r => new QuotaSlot(Dialect.ReadTime(r, 0), r.GetInt64(1), r.GetInt64(2), Dialect.ReadNullableTime(r, 3)), cancellationToken).ConfigureAwait(false);
        return [.. slots];
    }
}
