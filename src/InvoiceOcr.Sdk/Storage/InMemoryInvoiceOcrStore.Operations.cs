namespace InvoiceOcr.Sdk;

/// <summary>The in-memory store's operations and attempt journal (<see cref="IOperationStore"/>), under the same lock as its quotas and ledger.</summary>
public sealed partial class InMemoryInvoiceOcrStore : IOperationStore
{
    private readonly Dictionary<string, OperationRecord> _operations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, JournaledAttempt> _attempts = new(StringComparer.Ordinal);
    private readonly List<UnknownOutcomeAttempt> _unknownOutcomes = [];

    private enum JournalState
    {
        InFlight,
        Ended,
        OutcomeUnknown,
    }

    /// <inheritdoc/>
    public Task<OperationClaimResult> ClaimOperationAsync(OperationClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        ArgumentException.ThrowIfNullOrWhiteSpace(claim.OperationId, nameof(claim));
        ArgumentException.ThrowIfNullOrWhiteSpace(claim.CompanyId, nameof(claim));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var result = DecideClaim(claim, _timeProvider.GetUtcNow());
            if (result.Status == OperationClaimStatus.Claimed)
            {
                _operations[claim.OperationId] = result.Operation;
            }

            return Task.FromResult(result);
        }
    }

    /// <inheritdoc/>
    public Task<OperationRecord?> GetOperationAsync(string operationId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(operationId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return Task.FromResult(_operations.GetValueOrDefault(operationId));
        }
    }

    /// <summary>Decides a claim under the lock without storing it: a claimed row is stored by the caller (a reservation stores it only when granted).</summary>
    private OperationClaimResult DecideClaim(OperationClaim claim, DateTimeOffset now)
    {
        if (_operations.TryGetValue(claim.OperationId, out var existing))
        {
            if (existing.State == OperationState.Succeeded)
            {
                return new OperationClaimResult(OperationClaimStatus.Completed, existing);
            }

            if (existing.State == OperationState.InProgress && existing.ClaimedUntil > now)
            {
                return new OperationClaimResult(OperationClaimStatus.InProgress, existing);
            }

            // A failed operation may be tried again; a lapsed claim belonged to a call that died.
            return new OperationClaimResult(
                OperationClaimStatus.Claimed,
                existing with { State = OperationState.InProgress, ClaimedUntil = now + claim.ClaimDuration, FailureKind = null, DocumentSha256 = claim.DocumentSha256 ?? existing.DocumentSha256 });
        }

        return new OperationClaimResult(OperationClaimStatus.Claimed, claim.NewRecord(now));
    }

    /// <inheritdoc/>
    public Task BeginAttemptAsync(AttemptJournalEntry attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        ArgumentException.ThrowIfNullOrWhiteSpace(attempt.AttemptId, nameof(attempt));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_attempts.TryAdd(attempt.AttemptId, new JournaledAttempt(attempt)) && _operations.TryGetValue(attempt.OperationId, out var operation))
            {
                // The claim holds at least as long as the attempt may be in flight (OperationClaimStage explains why).
                _operations[attempt.OperationId] = operation with
                {
                    AttemptCount = Math.Max(operation.AttemptCount, attempt.AttemptNumber),
                    ClaimedUntil = operation.State == OperationState.InProgress && operation.ClaimedUntil < attempt.ExpiresAt ? attempt.ExpiresAt : operation.ClaimedUntil,
                };
            }

            return Task.CompletedTask;
        }
    }

    /// <inheritdoc/>
    public Task<QuotaSettlement?> EndAttemptAsync(AttemptEnding ending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ending);
        if (ending.Result == AttemptResult.Billed)
        {
            ArgumentNullException.ThrowIfNull(ending.Usage, nameof(ending));
            ending.Usage.Validate();
        }

        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_attempts.TryGetValue(ending.AttemptId, out var attempt))
            {
                // Not journaled here (yet): its journal entry may still wait in a local outbox. A billed record journals the
                // attempt as ended, so the entry's replay changes nothing, and counts toward the key once.
                return Task.FromResult(ending.Usage is { } orphan ? EndUnjournaled(orphan) : null);
            }

            return Task.FromResult(ending.Result switch
            {
                AttemptResult.Billed => EndBilled(attempt, ending.Usage!),
                AttemptResult.OutcomeUnknown => ChargeUnknown(attempt, _timeProvider.GetUtcNow()),
                _ => EndNotBilled(attempt),
            });
        }
    }

    /// <inheritdoc/>
    public Task CompleteOperationAsync(OperationCompletion completion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completion);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            CompleteOperationCore(completion);
            return Task.CompletedTask;
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<UnknownOutcomeAttempt>> ResolveInFlightAttemptsAsync(DateTimeOffset? startedBefore, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = _timeProvider.GetUtcNow();
            var resolved = new List<UnknownOutcomeAttempt>();
            foreach (var attempt in _attempts.Values)
            {
                if (attempt.State == JournalState.InFlight &&
                    (startedBefore is { } before ? attempt.Entry.StartedAt < before : attempt.Entry.ExpiresAt <= now))
                {
                    _ = ChargeUnknown(attempt, now);
                    resolved.Add(_unknownOutcomes[^1]);
                }
            }

            return Task.FromResult<IReadOnlyList<UnknownOutcomeAttempt>>(resolved);
        }
    }

    /// <inheritdoc/>
    public Task<IReadOnlyList<UnknownOutcomeAttempt>> ListUnknownOutcomeAttemptsAsync(string? companyId, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            IReadOnlyList<UnknownOutcomeAttempt> list = [.. _unknownOutcomes.Where(u => companyId is null || string.Equals(u.CompanyId, companyId, StringComparison.Ordinal))];
            return Task.FromResult(list);
        }
    }

    private QuotaSettlement? EndBilled(JournaledAttempt attempt, UsageRecord usage)
    {
        if (attempt.State == JournalState.Ended)
        {
            return null;
        }

        _usage.TryAdd(usage.Id, usage);
        QuotaSettlement? settlement = null;
        if (attempt.State == JournalState.InFlight && attempt.Entry.ReservationId is { } reservationId && _reservations.ContainsKey(reservationId))
        {
            // The quota settlement runs inside this same critical section: one "transaction".
            settlement = SettleCore(reservationId, Math.Max(0, usage.TotalTokens), Math.Max(0, usage.InputTokens), _timeProvider.GetUtcNow());
        }
        else if (attempt.State == JournalState.InFlight && attempt.Entry.ReservationId is null)
        {
            // No reservation (a fallback key while the store was down): the billed tokens are added to the key now, once.
            settlement = ChargeUnreserved(attempt.Entry.KeyId, Math.Max(0, usage.TotalTokens), Math.Max(0, usage.InputTokens), attempt.Entry.StartedAt);
        }
        else if (attempt.State == JournalState.OutcomeUnknown)
        {
            // Already charged at its estimate (resolved as unknown, or its expired reservation was reclaimed and charged):
            // correct the charge to what the service billed. An in-flight attempt whose reservation is gone was settled by
            // the lease's owner (its ledger row took the outbox path): nothing to correct.
            Recharge(attempt.Entry, usage);
            _unknownOutcomes.RemoveAll(u => string.Equals(u.AttemptId, attempt.Entry.AttemptId, StringComparison.Ordinal));
        }

        attempt.State = JournalState.Ended;
        if (usage.OperationOutcomeJson is { } outcome)
        {
            // The successful attempt completes its operation under the same lock: one "transaction".
            CompleteOperationCore(new OperationCompletion(usage.OperationId, true, outcome, null));
        }

        return settlement;
    }

    /// <summary>Stores an operation's outcome, never over a success (under the lock).</summary>
    private void CompleteOperationCore(OperationCompletion completion)
    {
        if (_operations.TryGetValue(completion.OperationId, out var operation) && operation.State != OperationState.Succeeded)
        {
            _operations[completion.OperationId] = operation with
            {
                State = completion.Succeeded ? OperationState.Succeeded : OperationState.Failed,
                OutcomeJson = completion.Succeeded ? completion.OutcomeJson : null,
                FailureKind = completion.Succeeded ? null : completion.FailureKind,
                CompletedAt = _timeProvider.GetUtcNow(),
            };
        }
    }

    /// <summary>The in-flight attempt holding a reservation the reclaim just charged becomes outcome-unknown (listed).</summary>
    private void MarkReclaimedAttemptUnknown(string reservationId, DateTimeOffset now)
    {
        foreach (var attempt in _attempts.Values)
        {
            if (attempt.State == JournalState.InFlight && string.Equals(attempt.Entry.ReservationId, reservationId, StringComparison.Ordinal))
            {
                _ = ChargeUnknown(attempt, now);
                return;
            }
        }
    }

    private QuotaSettlement? EndNotBilled(JournaledAttempt attempt)
    {
        if (attempt.State != JournalState.InFlight)
        {
            return null;
        }

        if (attempt.Entry.ReservationId is { } reservationId)
        {
            _ = ReleaseCore(reservationId);
        }

        attempt.State = JournalState.Ended;
        return null;
    }

    private QuotaSettlement? ChargeUnknown(JournaledAttempt attempt, DateTimeOffset now)
    {
        if (attempt.State != JournalState.InFlight)
        {
            return null;
        }

        QuotaSettlement? settlement = null;
        if (attempt.Entry.ReservationId is { } reservationId && _reservations.ContainsKey(reservationId))
        {
            settlement = SettleCore(reservationId, attempt.Entry.EstimatedTokens, null, now);
        }
        else if (attempt.Entry.ReservationId is null)
        {
            // The minute windows count the input estimate, as a reservation's do; with none journaled, the whole estimate (the cautious side).
            settlement = ChargeUnreserved(attempt.Entry.KeyId, attempt.Entry.EstimatedTokens, attempt.Entry.EstimatedInputTokens ?? attempt.Entry.EstimatedTokens, attempt.Entry.StartedAt);
        }

        attempt.State = JournalState.OutcomeUnknown;
        var entry = attempt.Entry;
        _unknownOutcomes.Add(new UnknownOutcomeAttempt
        {
            AttemptId = entry.AttemptId,
            OperationId = entry.OperationId,
            AttemptNumber = entry.AttemptNumber,
            CompanyId = entry.CompanyId,
            KeyId = entry.KeyId,
            ProjectId = entry.ProjectId,
            ChargedTokens = entry.EstimatedTokens,
            StartedAt = entry.StartedAt,
            ResolvedAt = now,
        });
        return settlement;
    }

    /// <summary>Corrects an attempt charged at its estimate to what its billed record says: the key's used tokens, the day windows, and the minute slot by the input estimate it holds.</summary>
    private void Recharge(AttemptJournalEntry attempt, UsageRecord usage)
    {
        var delta = usage.TotalTokens - attempt.EstimatedTokens;

        // An entry without an input estimate leaves the minute slot as it was charged: what it holds is not known here.
        var minuteDelta = attempt.EstimatedInputTokens is { } input ? Math.Max(0, usage.InputTokens) - input : 0;
        if ((delta != 0 || minuteDelta != 0) && _keys.TryGetValue(attempt.KeyId, out var entry))
        {
            entry.SetCounters(Math.Max(0, entry.TokensUsed + delta), entry.TokensReserved, _timeProvider.GetUtcNow());
            entry.Windows.Adjust(QuotaWindows.SlotStart(attempt.StartedAt), QuotaWindows.DayStart(attempt.StartedAt), minuteDelta, delta);
            entry.Project.Windows.Adjust(QuotaWindows.SlotStart(attempt.StartedAt), QuotaWindows.DayStart(attempt.StartedAt), minuteDelta, delta);
        }
    }

    /// <summary>
    /// A billed record of an attempt not journaled here: journals the attempt from the record (its journal entry's later
    /// replay then changes nothing) and ends it like any other, so its tokens count toward the key once.
    /// </summary>
    private QuotaSettlement? EndUnjournaled(UsageRecord usage)
    {
        var entry = AttemptJournalEntry.ForBilledRecord(usage, usage.CompletedAt);
        _ = BeginAttemptAsync(entry, CancellationToken.None);
        return EndBilled(_attempts[usage.Id], usage);
    }

    /// <summary>Adds an attempt that held no reservation to its key: used tokens, and one request and the tokens in the windows it started in (input tokens in the minute slot, total tokens in the day).</summary>
    private QuotaSettlement? ChargeUnreserved(string keyId, long tokens, long inputTokens, DateTimeOffset startedAt)
    {
        if (!_keys.TryGetValue(keyId, out var entry))
        {
            return null;
        }

        var now = _timeProvider.GetUtcNow();
        var used = entry.TokensUsed + tokens;
        entry.SetCounters(used, entry.TokensReserved, now);
        entry.Windows.CountLate(startedAt, QuotaWindows.DayStart(startedAt), inputTokens, tokens);
        entry.Project.Windows.CountLate(startedAt, QuotaWindows.DayStart(startedAt), inputTokens, tokens);
        var key = entry.Settings;
        var becameExceeded = false;
        if (key.Status == ApiKeyStatus.Active && key.LifetimeTokenLimit is { } limit && used >= limit)
        {
            key = SetStatus(entry, ApiKeyStatus.Exceeded, string.Create(System.Globalization.CultureInfo.InvariantCulture, $"Lifetime token limit of {limit} reached ({used} used)."), now);
            becameExceeded = true;
        }

        return new QuotaSettlement("unreserved:" + keyId, key.Id, tokens, used, key.LifetimeTokenLimit, key.Status, becameExceeded);
    }

    private sealed class JournaledAttempt(AttemptJournalEntry entry)
    {
        public AttemptJournalEntry Entry { get; } = entry;

        public JournalState State { get; set; } = JournalState.InFlight;
    }
}
