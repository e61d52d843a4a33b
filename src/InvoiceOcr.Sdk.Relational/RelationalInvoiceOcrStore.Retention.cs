namespace InvoiceOcr.Sdk.Relational;

/// <content>Retention: batched purges of the operational tables (never of billing data).</content>
public abstract partial class RelationalInvoiceOcrStore
{
    /// <summary>Gets the provider's purge statements; <see langword="null"/> when the provider has none (purges then fail with <see cref="NotSupportedException"/>).</summary>
    protected virtual RelationalRetentionStatements? RetentionStatements => null;

    /// <summary>
    /// Deletes at most <paramref name="batchSize"/> rows of <paramref name="table"/> older than <paramref name="cutoff"/>,
    /// lowest id first, in one short transaction of its own. Call it again while it returns <paramref name="batchSize"/>;
    /// <see cref="RelationalRetentionPurger"/> does, on a schedule.
    /// </summary>
    /// <param name="table">The table.</param>
    /// <param name="cutoff">Rows strictly older than this are deleted.</param>
    /// <param name="batchSize">The most rows to delete, 1 to <see cref="RelationalRetentionOptions.MaxBatchSize"/>.</param>
    /// <param name="cancellationToken">Cancels the purge.</param>
    /// <returns>How many rows were deleted.</returns>
    /// <exception cref="NotSupportedException">The provider has no purge statements.</exception>
    public Task<int> PurgeBatchAsync(RelationalRetentionTable table, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(batchSize, RelationalRetentionOptions.MaxBatchSize);
        var statements = RetentionStatements ?? throw new NotSupportedException($"The {Migrator.StoreName} store has no retention statements.");
        return table switch
        {
            RelationalRetentionTable.ApplicationLogs => PurgeAsync(statements.PurgeApplicationLogs, cutoff, batchSize, cancellationToken),
            RelationalRetentionTable.RetryAttempts => PurgeAsync(statements.PurgeRetryAttempts, cutoff, batchSize, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(table), table, "Unknown retention table."),
        };
    }

    private Task<int> PurgeAsync(string purge, DateTimeOffset cutoff, int batchSize, CancellationToken cancellationToken) =>
        WriteAsync(
            RelationalWork.Log,
            async (connection, transaction) =>
            {
                using var command = Command(connection, transaction, purge, ("cutoff", Dialect.Time(cutoff)), ("batch", batchSize));
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
}
