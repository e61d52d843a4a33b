using System.Data.Common;
using InvoiceOcr.Sdk.Storage;

namespace InvoiceOcr.Sdk.Relational;

/// <content>
/// Durable operations and the attempt journal: <see cref="IOperationStore"/>. Each method is one write transaction; ending
/// a billed attempt appends its ledger row, settles its reservation and completes it in the same transaction (on SQLite one
/// <c>BEGIN IMMEDIATE</c> committed at the ledger's durability).
/// </content>
public abstract partial class RelationalInvoiceOcrStore : IOperationStore
{
    private const int OperationSucceeded = 1;
    private const int OperationFailed = 2;
    private const int AttemptInFlight = 0;
    private const int AttemptEnded = 1;
    private const int AttemptOutcomeUnknown = 2;

    /// <inheritdoc />
    public Task<OperationClaimResult> ClaimOperationAsync(OperationClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentException.ThrowIfNullOrWhiteSpace(claim.OperationId, nameof(claim));
        ArgumentException.ThrowIfNullOrWhiteSpace(claim.CompanyId, nameof(claim));
        return WriteAsync(
            RelationalWork.Quota,
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                return await ClaimInTransactionAsync(connection, transaction, claim, now, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<OperationRecord?> GetOperationAsync(string operationId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(operationId);
        return ReadAsync(connection => ReadOperationAsync(connection, null, operationId, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Claims an operation inside the caller's write transaction: inserts its row, or takes over a failed one or a lapsed
    /// claim (conditional update), else reads it (in progress or completed). Two transactions claiming one id: exactly one wins.
    /// </summary>
    private async Task<OperationClaimResult> ClaimInTransactionAsync(DbConnection connection, DbTransaction transaction, OperationClaim claim, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var until = now + claim.ClaimDuration;
        using (var insert = Command(
            connection,
            transaction,
            Statements.InsertOperation,
            ("id", claim.OperationId),
            ("companyId", claim.CompanyId),
            ("sha", claim.DocumentSha256),
            ("until", Dialect.Time(until)),
            ("now", Dialect.Time(now))))
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                return new OperationClaimResult(OperationClaimStatus.Claimed, claim.NewRecord(now));
            }
        }

        // A failed operation may be tried again; a lapsed claim belonged to a call that died.
        int taken;
        using (var takeOver = Command(
            connection,
            transaction,
            Statements.TakeOverOperation,
            ("id", claim.OperationId),
            ("sha", claim.DocumentSha256),
            ("until", Dialect.Time(until)),
            ("now", Dialect.Time(now))))
        {
            taken = await takeOver.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        var operation = await ReadOperationAsync(connection, transaction, claim.OperationId, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException("The operation row vanished inside its claim's transaction.");
        var status = taken == 1 ? OperationClaimStatus.Claimed
            : operation.State == OperationState.Succeeded ? OperationClaimStatus.Completed
            : OperationClaimStatus.InProgress;
        return new OperationClaimResult(status, operation);
    }

    /// <inheritdoc />
    public Task BeginAttemptAsync(AttemptJournalEntry attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentException.ThrowIfNullOrWhiteSpace(attempt.AttemptId, nameof(attempt));
        ArgumentException.ThrowIfNullOrWhiteSpace(attempt.OperationId, nameof(attempt));
        ArgumentException.ThrowIfNullOrWhiteSpace(attempt.CompanyId, nameof(attempt));
        ArgumentException.ThrowIfNullOrWhiteSpace(attempt.KeyId, nameof(attempt));
        ArgumentOutOfRangeException.ThrowIfNegative(attempt.EstimatedTokens, nameof(attempt));

        // Committed at the quota durability (on SQLite synchronous NORMAL): the entry survives the process being killed, which
        // is the crash it exists for; the fsync is paid once per call, by the ledger row.
        return WriteAsync(
            RelationalWork.Quota,
            async (connection, transaction) =>
            {
                // Journaled already (a replay, or its billed record came first and journaled it as it ended): changes nothing.
                return await InsertAttemptAsync(connection, transaction, attempt, cancellationToken).ConfigureAwait(false) ? 1 : 0;
            },
            cancellationToken);
    }

    private async Task<bool> InsertAttemptAsync(DbConnection connection, DbTransaction transaction, AttemptJournalEntry attempt, CancellationToken cancellationToken)
    {
        using (var insert = Command(
            connection,
            transaction,
            Statements.InsertAttempt,
            ("id", attempt.AttemptId),
            ("operationId", attempt.OperationId),
            ("attempt", attempt.AttemptNumber),
            ("companyId", attempt.CompanyId),
            ("keyId", attempt.KeyId),
            ("projectId", attempt.ProjectId),
            ("reservationId", attempt.ReservationId),
            ("estimate", attempt.EstimatedTokens),
            ("startedAt", Dialect.Time(attempt.StartedAt)),
            ("expiresAt", Dialect.Time(attempt.ExpiresAt)),
            ("inputEstimate", attempt.EstimatedInputTokens)))
        {
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                return false;
            }
        }

        // The operation's claim holds at least until the attempt's expiry: while the attempt may still be in flight (or its
        // billed record wait in an outbox), no other caller takes the operation over (OperationClaimStage explains why).
        using var count = Command(
            connection,
            transaction,
            Statements.CountAttempt,
            ("operationId", attempt.OperationId),
            ("attempt", attempt.AttemptNumber),
            ("expiresAt", Dialect.Time(attempt.ExpiresAt)));
        await count.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public Task<QuotaSettlement?> EndAttemptAsync(AttemptEnding ending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ending);
        ArgumentException.ThrowIfNullOrWhiteSpace(ending.AttemptId, nameof(ending));
        if (ending.Result == AttemptResult.Billed)
        {
            ArgumentNullException.ThrowIfNull(ending.Usage, nameof(ending));
            InvoiceOcrStoreValidation.Validate(ending.Usage);
        }

        // A billed attempt commits at the ledger's durability: its row is billing data.
        return WriteAsync(
            ending.Result == AttemptResult.Billed ? RelationalWork.Ledger : RelationalWork.Quota,
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                var attempt = await ReadAttemptAsync(connection, transaction, ending.AttemptId, cancellationToken).ConfigureAwait(false);
                if (attempt is null)
                {
                    if (ending.Usage is not { } orphan)
                    {
                        return null;
                    }

                    // Not journaled here (yet): its journal entry may still wait in a local outbox. The billed record journals
                    // the attempt from itself (the entry's later replay then changes nothing) and ends it like any other, so
                    // its tokens count toward the key once: through its reservation, or, with none, added to the key.
                    await InsertAttemptAsync(connection, transaction, AttemptJournalEntry.ForBilledRecord(orphan, now), cancellationToken).ConfigureAwait(false);
                    attempt = await ReadAttemptAsync(connection, transaction, ending.AttemptId, cancellationToken).ConfigureAwait(false)
                        ?? throw new InvalidOperationException("The attempt row vanished inside its ending's transaction.");
                }

                return ending.Result switch
                {
                    AttemptResult.Billed => await EndBilledAsync(connection, transaction, attempt, ending.Usage!, now, cancellationToken).ConfigureAwait(false),
                    AttemptResult.OutcomeUnknown => await ChargeUnknownAsync(connection, transaction, attempt, now, cancellationToken).ConfigureAwait(false),
                    _ => await EndNotBilledAsync(connection, transaction, attempt, now, cancellationToken).ConfigureAwait(false),
                };
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task CompleteOperationAsync(OperationCompletion completion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completion);
        ArgumentException.ThrowIfNullOrWhiteSpace(completion.OperationId, nameof(completion));
        return WriteAsync(
            RelationalWork.Quota,
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                return await CompleteInTransactionAsync(connection, transaction, completion, now, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    private async Task<int> CompleteInTransactionAsync(DbConnection connection, DbTransaction transaction, OperationCompletion completion, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var complete = Command(
            connection,
            transaction,
            Statements.CompleteOperation,
            ("id", completion.OperationId),
            ("state", Dialect.SmallInteger(completion.Succeeded ? OperationSucceeded : OperationFailed)),
            ("outcome", completion.Succeeded ? completion.OutcomeJson : null),
            ("failureKind", completion.Succeeded ? null : completion.FailureKind?.ToString()),
            ("now", Dialect.Time(now)));
        return await complete.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>Each attempt is resolved in its own transaction (the lock order of ending an attempt), so a pass over many never holds one key's locks while waiting for another's.</remarks>
    public async Task<IReadOnlyList<UnknownOutcomeAttempt>> ResolveInFlightAttemptsAsync(DateTimeOffset? startedBefore, CancellationToken cancellationToken)
    {
        var inFlight = await ReadAsync(
            async connection =>
            {
                var now = await NowAsync(connection, null, cancellationToken).ConfigureAwait(false);
                using var select = Command(connection, null, Statements.SelectInFlightAttempts, ("before", Time(startedBefore)), ("now", Dialect.Time(now)));
                return await ReadAllAsync(select, static r => r.GetString(0), cancellationToken).ConfigureAwait(false);
            },
            cancellationToken).ConfigureAwait(false);

        var resolved = new List<UnknownOutcomeAttempt>(inFlight.Count);
        foreach (var attemptId in inFlight)
        {
            var unknown = await WriteAsync(
                RelationalWork.Quota,
                async (connection, transaction) =>
                {
                    var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                    if (await ReadAttemptAsync(connection, transaction, attemptId, cancellationToken).ConfigureAwait(false) is not { State: AttemptInFlight } attempt)
                    {
                        return null; // Ended meanwhile, by its own call or another instance's pass.
                    }

                    _ = await ChargeUnknownAsync(connection, transaction, attempt, now, cancellationToken).ConfigureAwait(false);
                    return attempt.ToUnknown(now);
                },
                cancellationToken).ConfigureAwait(false);
            if (unknown is not null)
            {
                resolved.Add(unknown);
            }
        }

        return resolved;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<UnknownOutcomeAttempt>> ListUnknownOutcomeAttemptsAsync(string? companyId, CancellationToken cancellationToken) =>
        ReadAsync(
            async connection =>
            {
                using var select = Command(connection, null, Statements.ListUnknownAttempts, ("companyId", companyId));
                return await ReadAllAsync(
                    select,
                    r => new UnknownOutcomeAttempt
                    {
                        AttemptId = r.GetString(0),
                        OperationId = r.GetString(1),
                        AttemptNumber = r.GetInt32(2),
                        CompanyId = r.GetString(3),
                        KeyId = r.GetString(4),
                        ProjectId = r.IsDBNull(5) ? null : r.GetString(5),
                        ChargedTokens = r.GetInt64(6),
                        StartedAt = Dialect.ReadTime(r, 7),
                        ResolvedAt = Dialect.ReadTime(r, 8),
                    },
                    cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);

    /// <summary>
    /// Charges an expired reservation at its estimate in one transaction; the in-flight attempt that held it (its request
    /// was sent and never settled) becomes outcome-unknown and is listed, so it can be reconciled with the provider's billing.
    /// </summary>
    private Task<QuotaSettlement?> ReclaimExpiredAsync(string reservationId, CancellationToken cancellationToken) =>
        WriteAsync(
            RelationalWork.Quota,
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);

                // Lock order: the attempt row before its reservation, as when the attempt ends.
                string? attemptId;
                using (var select = Command(connection, transaction, Statements.SelectAttemptByReservation, ("reservationId", reservationId)))
                {
                    var ids = await ReadAllAsync(select, static r => r.GetString(0), cancellationToken).ConfigureAwait(false);
                    attemptId = ids.Count == 0 ? null : ids[0];
                }

                var settlement = await SettleInTransactionAsync(connection, transaction, reservationId, null, null, now, cancellationToken).ConfigureAwait(false);
                if (attemptId is not null)
                {
                    _ = await MoveAttemptAsync(connection, transaction, attemptId, AttemptInFlight, AttemptOutcomeUnknown, now, cancellationToken).ConfigureAwait(false);
                }

                return settlement;
            },
            cancellationToken);

    private async Task<QuotaSettlement?> EndBilledAsync(DbConnection connection, DbTransaction transaction, JournaledAttempt attempt, UsageRecord usage, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (attempt.State == AttemptEnded)
        {
            return null; // A replay: the ledger row, the settlement and the completion are already committed.
        }

        QuotaSettlement? settlement = null;
        if (attempt.State == AttemptInFlight)
        {
            // A reservation already gone was settled by the lease's owner (the ledger row took the outbox path): nothing to add.
            // No reservation at all (a fallback key while the store was down): the billed tokens are added to the key now.
            settlement = attempt.ReservationId is { } reservationId
                ? await SettleInTransactionAsync(connection, transaction, reservationId, Math.Max(0, usage.TotalTokens), Math.Max(0, usage.InputTokens), now, cancellationToken).ConfigureAwait(false)
                : await ChargeUnreservedAsync(connection, transaction, attempt, Math.Max(0, usage.TotalTokens), Math.Max(0, usage.InputTokens), now, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            // Charged at its estimate (resolved as outcome-unknown, or its expired reservation was reclaimed): correct the
            // charge to what the service billed; the attempt is no longer listed as outcome-unknown. The key's used tokens and
            // the day windows move by the total, the minute slot by the input tokens (it holds the journaled input estimate).
            // An attempt journaled before 0009 has none: its slot keeps what it was charged, which is not known here (a
            // reservation from before 0008 charged its total there), and a wrong guess would undercount the slot.
            var delta = usage.TotalTokens - attempt.EstimatedTokens;
            var minuteDelta = attempt.EstimatedInputTokens is { } inputEstimate ? Math.Max(0, usage.InputTokens) - inputEstimate : 0;
            if (delta != 0 || minuteDelta != 0)
            {
                using (var recharge = Command(connection, transaction, Statements.RechargeKey, ("id", attempt.KeyId), ("delta", delta)))
                {
                    await recharge.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                using var adjust = Command(
                    connection,
                    transaction,
                    Statements.AdjustWindowTokens,
                    ("minuteDelta", minuteDelta),
                    ("dayDelta", delta),
                    ("keyId", attempt.KeyId),
                    ("projectId", attempt.ProjectId),
                    ("minute", Dialect.Time(QuotaWindows.SlotStart(attempt.StartedAt))),
                    ("day", Dialect.Time(QuotaWindows.DayStart(attempt.StartedAt))));
                await adjust.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        _ = await MoveAttemptAsync(connection, transaction, attempt.AttemptId, attempt.State, AttemptEnded, now, cancellationToken).ConfigureAwait(false);

        // The ledger after the settlement: the lock order every writer follows.
        await InsertLedgerRowAsync(connection, transaction, usage, now, cancellationToken).ConfigureAwait(false);
        if (usage.OperationOutcomeJson is { } outcome)
        {
            // The successful attempt completes its operation in the same transaction: a restart finds it done, never billable again.
            await CompleteInTransactionAsync(connection, transaction, new OperationCompletion(usage.OperationId, true, outcome, null), now, cancellationToken).ConfigureAwait(false);
        }

        return settlement;
    }

    private async Task<QuotaSettlement?> EndNotBilledAsync(DbConnection connection, DbTransaction transaction, JournaledAttempt attempt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (attempt.State != AttemptInFlight)
        {
            return null;
        }

        if (attempt.ReservationId is { } reservationId)
        {
            _ = await RelationalQuotaSettlement.ReleaseAsync(Dialect, sql => Connections.CreateCommand(connection, transaction, sql), Statements, reservationId, cancellationToken).ConfigureAwait(false);
        }

        _ = await MoveAttemptAsync(connection, transaction, attempt.AttemptId, AttemptInFlight, AttemptEnded, now, cancellationToken).ConfigureAwait(false);
        return null;
    }

    private async Task<QuotaSettlement?> ChargeUnknownAsync(DbConnection connection, DbTransaction transaction, JournaledAttempt attempt, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (attempt.State != AttemptInFlight)
        {
            return null;
        }

        var settlement = attempt.ReservationId is { } reservationId
            ? await SettleInTransactionAsync(connection, transaction, reservationId, attempt.EstimatedTokens, null, now, cancellationToken).ConfigureAwait(false)
            : await ChargeUnreservedAsync(connection, transaction, attempt, attempt.EstimatedTokens, attempt.EstimatedInputTokens ?? attempt.EstimatedTokens, now, cancellationToken).ConfigureAwait(false);
        _ = await MoveAttemptAsync(connection, transaction, attempt.AttemptId, AttemptInFlight, AttemptOutcomeUnknown, now, cancellationToken).ConfigureAwait(false);
        return settlement;
    }

    /// <summary>Adds an attempt that held no reservation to its key: used tokens (marking the lifetime limit), and one request and the tokens in the windows it started in.</summary>
    private Task<QuotaSettlement?> ChargeUnreservedAsync(DbConnection connection, DbTransaction transaction, JournaledAttempt attempt, long tokens, long inputTokens, DateTimeOffset now, CancellationToken cancellationToken) =>
        RelationalQuotaSettlement.ChargeUnreservedAsync(
            Dialect,
            sql => Connections.CreateCommand(connection, transaction, sql),
            Statements,
            attempt.KeyId,
            attempt.ProjectId,
            tokens,
            inputTokens,
            attempt.StartedAt,
            now,
            (keyId, reason) => ChangeStatusAsync(connection, transaction, keyId, ApiKeyStatus.Active, ApiKeyStatus.Exceeded, reason, now, cancellationToken),
            cancellationToken);

    private Task<QuotaSettlement?> SettleInTransactionAsync(DbConnection connection, DbTransaction transaction, string reservationId, long? actualTokens, long? actualInputTokens, DateTimeOffset now, CancellationToken cancellationToken) =>
        RelationalQuotaSettlement.SettleAsync(
            Dialect,
            sql => Connections.CreateCommand(connection, transaction, sql),
            Statements,
            reservationId,
            actualTokens,
            actualInputTokens,
            now,
            (keyId, reason) => ChangeStatusAsync(connection, transaction, keyId, ApiKeyStatus.Active, ApiKeyStatus.Exceeded, reason, now, cancellationToken),
            cancellationToken);

    private async Task InsertLedgerRowAsync(DbConnection connection, DbTransaction transaction, UsageRecord usage, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var inserted = await InsertUsageRowsAsync(connection, transaction, [usage], now, cancellationToken).ConfigureAwait(false);
        await RelationalUsageLedger.AddToSummariesAsync(Dialect, sql => Connections.CreateCommand(connection, transaction, sql), inserted, Statements.UpsertSummary, cancellationToken).ConfigureAwait(false);
    }

    private async Task<bool> MoveAttemptAsync(DbConnection connection, DbTransaction transaction, string attemptId, int from, int to, DateTimeOffset now, CancellationToken cancellationToken)
    {
        using var end = Command(
            connection,
            transaction,
            Statements.EndAttempt,
            ("id", attemptId),
            ("state", Dialect.SmallInteger(to)),
            ("from", Dialect.SmallInteger(from)),
            ("now", Dialect.Time(now)));
        return await end.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
    }

    private async Task<OperationRecord?> ReadOperationAsync(DbConnection connection, DbTransaction? transaction, string operationId, CancellationToken cancellationToken)
    {
        using var select = Command(connection, transaction, Statements.SelectOperation, ("id", operationId));
        var rows = await ReadAllAsync(
            select,
            r => new OperationRecord
            {
                OperationId = r.GetString(0),
                CompanyId = r.GetString(1),
                DocumentSha256 = r.IsDBNull(2) ? null : r.GetString(2),
                State = (OperationState)Dialect.ReadSmallInteger(r, 3),
                ClaimedUntil = Dialect.ReadTime(r, 4),
                AttemptCount = r.GetInt32(5),
                OutcomeJson = r.IsDBNull(6) ? null : r.GetString(6),
                FailureKind = r.IsDBNull(7) ? null : Enum.Parse<InvoiceOcrErrorKind>(r.GetString(7)),
                CreatedAt = Dialect.ReadTime(r, 8),
                CompletedAt = Dialect.ReadNullableTime(r, 9),
            },
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    private async Task<JournaledAttempt?> ReadAttemptAsync(DbConnection connection, DbTransaction transaction, string attemptId, CancellationToken cancellationToken)
    {
        using var select = Command(connection, transaction, Statements.SelectAttempt, ("id", attemptId));
        var rows = await ReadAllAsync(
            select,
            r => new JournaledAttempt(
                attemptId,
                r.GetString(0),
                r.GetInt32(1),
                r.GetString(2),
                r.GetString(3),
                r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5),
                r.GetInt64(6),
                Dialect.ReadSmallInteger(r, 7),
                Dialect.ReadTime(r, 8),
                r.IsDBNull(9) ? null : r.GetInt64(9)),
            cancellationToken).ConfigureAwait(false);
        return rows.Count == 0 ? null : rows[0];
    }

    private sealed record JournaledAttempt(
        string AttemptId,
        string OperationId,
        int AttemptNumber,
        string CompanyId,
        string KeyId,
        string? ProjectId,
        string? ReservationId,
        long EstimatedTokens,
        int State,
        DateTimeOffset StartedAt,
        long? EstimatedInputTokens)
    {
        public UnknownOutcomeAttempt ToUnknown(DateTimeOffset resolvedAt) => new()
        {
            AttemptId = AttemptId,
            OperationId = OperationId,
            AttemptNumber = AttemptNumber,
            CompanyId = CompanyId,
            KeyId = KeyId,
            ProjectId = ProjectId,
            ChargedTokens = EstimatedTokens,
            StartedAt = StartedAt,
            ResolvedAt = resolvedAt,
        };
    }
}
