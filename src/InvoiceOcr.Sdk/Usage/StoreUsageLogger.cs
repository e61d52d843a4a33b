namespace InvoiceOcr.Sdk.Usage;

/// <summary>
/// The built-in <see cref="IUsageLogger"/>: ends the billed attempt in the operation store, which appends the ledger row,
/// settles the attempt's reservation and completes the attempt in one transaction.
/// </summary>
internal sealed class StoreUsageLogger(IOperationStore operations, IRetryAttemptStore retryAttempts) : IUsageLogger
{
    public async ValueTask<RecordedUsage> LogUsageAsync(UsageRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        var settlement = await operations.EndAttemptAsync(new AttemptEnding(record.Id, AttemptResult.Billed, record), cancellationToken).ConfigureAwait(false);
        return settlement is null ? new RecordedUsage(UsageRecording.Recorded) : new RecordedUsage(UsageRecording.Settled, settlement);
    }

    public async ValueTask LogRetryAttemptAsync(RetryAttemptRecord record, CancellationToken cancellationToken) =>
        _ = await retryAttempts.AppendAsync(record, cancellationToken).ConfigureAwait(false);
}
