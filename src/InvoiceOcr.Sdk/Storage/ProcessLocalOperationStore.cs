namespace InvoiceOcr.Sdk;

/// <summary>
/// The operation store used when the registered store does not implement <see cref="IOperationStore"/>: claims live in
/// this process only, the ledger row goes to <see cref="IUsageLedger"/> and the reservation is left to
/// <see cref="ITokenProvider"/> (nothing is settled here, so every method that settles returns <see langword="null"/>).
/// Attempts are not journaled, so nothing can be named after a crash: a store should implement <see cref="IOperationStore"/>.
/// </summary>
internal sealed class ProcessLocalOperationStore(IUsageLedger ledger, TimeProvider timeProvider) : IOperationStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, OperationRecord> _operations = new(StringComparer.Ordinal);

    public Task<OperationClaimResult> ClaimOperationAsync(OperationClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        lock (_gate)
        {
            var now = timeProvider.GetUtcNow();
            if (_operations.TryGetValue(claim.OperationId, out var existing))
            {
                if (existing.State == OperationState.Succeeded)
                {
                    return Task.FromResult(new OperationClaimResult(OperationClaimStatus.Completed, existing));
                }

                if (existing.State == OperationState.InProgress && existing.ClaimedUntil > now)
                {
                    return Task.FromResult(new OperationClaimResult(OperationClaimStatus.InProgress, existing));
                }
            }

            var claimed = (existing ?? new OperationRecord { OperationId = claim.OperationId, CompanyId = claim.CompanyId, CreatedAt = now }) with
            {
                State = OperationState.InProgress,
                ClaimedUntil = now + claim.ClaimDuration,
                DocumentSha256 = claim.DocumentSha256,
            };
            _operations[claim.OperationId] = claimed;
            return Task.FromResult(new OperationClaimResult(OperationClaimStatus.Claimed, claimed));
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
