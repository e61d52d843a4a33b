namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// Implemented by SQL stores so usage records of concurrent calls commit together (group commit): one
/// transaction inserts every new record and updates the daily summaries, in a consistent lock order.
/// </summary>
public interface IUsageLedgerBatchWriter
{
    /// <summary>Appends records in one transaction; records whose id is already stored are skipped (replay is a no-op).</summary>
    /// <param name="records">The records.</param>
    /// <param name="cancellationToken">Cancels the transaction.</param>
    /// <returns>How many rows were added.</returns>
    /// <exception cref="InvoiceOcrException">The database is unreachable (kind <see cref="InvoiceOcrErrorKind.StoreUnavailable"/>).</exception>
    Task<int> AppendBatchAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken);

    /// <summary>Appends retry attempt records in one transaction; records already stored are skipped.</summary>
    /// <param name="records">The records.</param>
    /// <param name="cancellationToken">Cancels the transaction.</param>
    /// <returns>How many rows were added.</returns>
    /// <exception cref="InvoiceOcrException">The database is unreachable (kind <see cref="InvoiceOcrErrorKind.StoreUnavailable"/>).</exception>
    Task<int> AppendRetryAttemptsAsync(IReadOnlyList<RetryAttemptRecord> records, CancellationToken cancellationToken);
}
