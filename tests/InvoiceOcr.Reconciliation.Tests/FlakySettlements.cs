using System.Collections.Concurrent;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// The SQL store as the durable usage logger sees it, except that a seeded share of billed attempt endings (the one
/// transaction that appends the ledger row and settles the reservation) fail as if the database were unreachable, the
/// first time each is tried: the logger diverts those records to its outbox and a replay ends them. Everything else is the
/// store itself.
/// </summary>
internal sealed class FlakySettlements(RelationalInvoiceOcrStore store, double failureRate) : IUsageLedgerBatchWriter, IOperationStore
{
    private readonly ConcurrentDictionary<string, byte> _failed = new(StringComparer.Ordinal);
    private long _failures;

    /// <summary>Gets how many billed endings were failed.</summary>
    public long Failures => Interlocked.Read(ref _failures);

    public Task<QuotaSettlement?> EndAttemptAsync(AttemptEnding ending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ending);

        // Which attempts fail is decided by a hash of the attempt id (the same attempts whatever the machine's speed); a
        // replay of a failed one goes through.
        if (ending.Result == AttemptResult.Billed && Fails(ending.AttemptId) && _failed.TryAdd(ending.AttemptId, 0))
        {
            Interlocked.Increment(ref _failures);
            throw new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, "Injected: the store is unreachable for this settlement.");
        }

        return store.EndAttemptAsync(ending, cancellationToken);
    }

    public Task<int> AppendBatchAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken) => store.AppendBatchAsync(records, cancellationToken);

    public Task<int> AppendRetryAttemptsAsync(IReadOnlyList<RetryAttemptRecord> records, CancellationToken cancellationToken) => store.AppendRetryAttemptsAsync(records, cancellationToken);

    public Task<OperationClaimResult> ClaimOperationAsync(OperationClaim claim, CancellationToken cancellationToken) => store.ClaimOperationAsync(claim, cancellationToken);

    public Task<OperationRecord?> GetOperationAsync(string operationId, CancellationToken cancellationToken) => store.GetOperationAsync(operationId, cancellationToken);

    public Task BeginAttemptAsync(AttemptJournalEntry attempt, CancellationToken cancellationToken) => store.BeginAttemptAsync(attempt, cancellationToken);

    public Task CompleteOperationAsync(OperationCompletion completion, CancellationToken cancellationToken) => store.CompleteOperationAsync(completion, cancellationToken);

    public Task<IReadOnlyList<UnknownOutcomeAttempt>> ResolveInFlightAttemptsAsync(DateTimeOffset? startedBefore, CancellationToken cancellationToken) =>
        store.ResolveInFlightAttemptsAsync(startedBefore, cancellationToken);

    public Task<IReadOnlyList<UnknownOutcomeAttempt>> ListUnknownOutcomeAttemptsAsync(string? companyId, CancellationToken cancellationToken) =>
        store.ListUnknownOutcomeAttemptsAsync(companyId, cancellationToken);

    private bool Fails(string attemptId) =>
        BinaryPrimitives.ReadUInt32LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(attemptId))) % 1_000 < failureRate * 1_000;
}
