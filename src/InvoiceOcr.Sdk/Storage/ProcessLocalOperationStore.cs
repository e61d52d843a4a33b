namespace InvoiceOcr.Sdk;

/// <summary>
/// The operation store used when the registered store does not implement <see cref="IOperationStore"/>: claims live in
/// this process only, the ledger row goes to <see cref="IUsageLedger"/> and the reservation is left to
/// <see cref="ITokenProvider"/> (nothing is settled here, so every method that settles returns <see langword="null"/>).
/// Attempts are not journaled, so nothing can be named after a crash: a store should implement <see cref="IOperationStore"/>.
/// An idempotent operation unknown here is looked up in the ledger (a success there, from another process or an earlier
/// run, refuses the call as <see cref="InvoiceOcrErrorKind.DuplicateOperation"/>), as the SDK did before operations existed.
/// </summary>
internal sealed class ProcessLocalOperationStore(IUsageLedger ledger, TimeProvider timeProvider) : IOperationStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, OperationRecord> _operations = new(StringComparer.Ordinal);

    public async Task<OperationClaimResult> ClaimOperationAsync(OperationClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        bool known;
        lock (_gate)
        {
            known = _operations.ContainsKey(claim.OperationId);
        }

        if (!known && claim.OperationId.StartsWith("idem-", StringComparison.Ordinal) &&
            await FindSuccessAsync(claim, cancellationToken).ConfigureAwait(false) is { } success)
        {
            // Another process (or a run before a restart) succeeded: its ledger row is the only trace this stand-in has.
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.DuplicateOperation,
                $"An extraction with this idempotency key already succeeded for your company (operation {claim.OperationId}) and its result is not stored; the model is not called again, which would bill the document twice.")
            {
                ResponseId = success.ResponseId,
                KeyId = success.KeyId,
            };
        }

        return Claim(claim);
    }

    private async Task<UsageRecord?> FindSuccessAsync(OperationClaim claim, CancellationToken cancellationToken)
    {
        foreach (var record in await ledger.ListAsync(new UsageQuery(claim.CompanyId), cancellationToken).ConfigureAwait(false))
        {
            if (record.Outcome == UsageOutcome.Success && string.Equals(record.OperationId, claim.OperationId, StringComparison.Ordinal))
            {
                return record;
            }
        }

        return null;
    }

    private OperationClaimResult Claim(OperationClaim claim)
    {
        lock (_gate)
        {
            var now = timeProvider.GetUtcNow();
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
            }

            var claimed = existing is null ? claim.NewRecord(now) : existing with
            {
                State = OperationState.InProgress,
                ClaimedUntil = now + claim.ClaimDuration,
                DocumentSha256 = claim.DocumentSha256,
            };
            _operations[claim.OperationId] = claimed;
            return new OperationClaimResult(OperationClaimStatus.Claimed, claimed);
        }
    }

    public Task<OperationRecord?> GetOperationAsync(string operationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operationId);
        lock (_gate)
        {
            return Task.FromResult(_operations.GetValueOrDefault(operationId));
        }
    }

    public Task BeginAttemptAsync(AttemptJournalEntry attempt, CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task<QuotaSettlement?> EndAttemptAsync(AttemptEnding ending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ending);
        if (ending.Usage is { } usage)
        {
            _ = await ledger.AppendAsync(usage, cancellationToken).ConfigureAwait(false);
        }

        return null;
    }

    public Task CompleteOperationAsync(OperationCompletion completion, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(completion);
        lock (_gate)
        {
            if (_operations.TryGetValue(completion.OperationId, out var operation))
            {
                _operations[completion.OperationId] = operation with
                {
                    State = completion.Succeeded ? OperationState.Succeeded : OperationState.Failed,
                    OutcomeJson = completion.OutcomeJson,
                    FailureKind = completion.FailureKind,
                    CompletedAt = timeProvider.GetUtcNow(),
                };
            }
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<UnknownOutcomeAttempt>> ResolveInFlightAttemptsAsync(DateTimeOffset? startedBefore, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<UnknownOutcomeAttempt>>([]);

    public Task<IReadOnlyList<UnknownOutcomeAttempt>> ListUnknownOutcomeAttemptsAsync(string? companyId, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<UnknownOutcomeAttempt>>([]);
}
