namespace InvoiceOcr.Sdk;

/// <summary>
/// Records billed attempts durably (the usage ledger) and retry decisions. The built-in logger writes the ledger row, the
/// settlement of the attempt's reservation and the attempt's completion in one store transaction; SQL stores add a local
/// durable outbox for outages. Decorate it (register your own <see cref="IUsageLogger"/> that wraps the built-in one) to also
/// send each record elsewhere. A call returns once the record is durable.
/// </summary>
public interface IUsageLogger
{
    /// <summary>Records a billed attempt. Its <see cref="UsageRecord.Id"/> is the attempt's id: recording it again is a no-op.</summary>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>What was done besides the ledger row (see <see cref="ITokenProvider.SettleAsync"/>).</returns>
    ValueTask<RecordedUsage> LogUsageAsync(UsageRecord record, CancellationToken cancellationToken);

    /// <summary>Records a retry or failover decision.</summary>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the record is durable.</returns>
    ValueTask LogRetryAttemptAsync(RetryAttemptRecord record, CancellationToken cancellationToken);
}
