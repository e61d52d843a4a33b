namespace InvoiceOcr.Sdk;

/// <summary>
/// Where the model call executor reports billed usage and retry attempts. The default writes straight to
/// <see cref="IUsageLedger"/> and <see cref="IRetryAttemptStore"/>; storage packages may replace it with a durable,
/// batching implementation. A call returns once the record is durable.
/// </summary>
public interface IUsageLogger
{
    /// <summary>Records a billed model call. Recording the same <see cref="UsageRecord.Id"/> again is a no-op.</summary>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the record is durable.</returns>
    ValueTask LogUsageAsync(UsageRecord record, CancellationToken cancellationToken);

    /// <summary>Records a retry or failover decision.</summary>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the record is durable.</returns>
    ValueTask LogRetryAttemptAsync(RetryAttemptRecord record, CancellationToken cancellationToken);
}
