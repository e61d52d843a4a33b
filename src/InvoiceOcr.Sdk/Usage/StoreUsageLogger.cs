namespace InvoiceOcr.Sdk.Usage;

/// <summary>The default <see cref="IUsageLogger"/>: writes each record to the stores as it comes.</summary>
internal sealed class StoreUsageLogger(IUsageLedger ledger, IRetryAttemptStore retryAttempts) : IUsageLogger
{
    public async ValueTask LogUsageAsync(UsageRecord record, CancellationToken cancellationToken) =>
        _ = await ledger.AppendAsync(record, cancellationToken).ConfigureAwait(false);

    public async ValueTask LogRetryAttemptAsync(RetryAttemptRecord record, CancellationToken cancellationToken) =>
        _ = await retryAttempts.AppendAsync(record, cancellationToken).ConfigureAwait(false);
}
