using InvoiceOcr.Sdk.Storage;

namespace InvoiceOcr.Sdk.Relational;

/// <content>The usage ledger, its daily summary, the retry log and application logs.</content>
public abstract partial class RelationalInvoiceOcrStore
{
    /// <inheritdoc />
    public async Task<bool> AppendAsync(UsageRecord record, CancellationToken cancellationToken)
    {
        InvoiceOcrStoreValidation.Validate(record);
        return await AppendBatchAsync([record], cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public Task<int> AppendBatchAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            InvoiceOcrStoreValidation.Validate(record);
        }

        // Row locks: every writer inserts in id order, so two overlapping batches cannot deadlock.
        UsageRecord[] ordered = [.. records.OrderBy(static r => r.Id, StringComparer.Ordinal)];
        return WriteAsync(
            RelationalWork.Ledger,
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                var inserted = await InsertUsageRowsAsync(connection, transaction, ordered, now, cancellationToken).ConfigureAwait(false);
                await RelationalUsageLedger.AddToSummariesAsync(Dialect, sql => Connections.CreateCommand(connection, transaction, sql), inserted, Statements.UpsertSummary, cancellationToken).ConfigureAwait(false);
                return inserted.Count;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    Task<UsageRecord?> IUsageLedger.GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null, Statements.SelectUsage, ("id", id));
                var list = await ReadAllAsync(command, r => RelationalUsageLedger.ReadUsage(Dialect, r), cancellationToken).ConfigureAwait(false);
                return list.Count == 0 ? null : list[0];
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<UsageRecord>> ListAsync(UsageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ReadAsync(
            async connection =>
            {
                using var command = Connections.CreateCommand(connection, null, Statements.ListUsage);
                RelationalUsageLedger.BindQuery(Dialect, command, query);
                return await ReadAllAsync(command, r => RelationalUsageLedger.ReadUsage(Dialect, r), cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<UsageSummary>> SummarizeAsync(UsageQuery query, UsageGrouping grouping, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ReadAsync(
            async connection =>
            {
                using var command = Connections.CreateCommand(connection, null, Statements.SummarizeUsage);
                RelationalUsageLedger.BindGrouping(Dialect, command, grouping);
                RelationalUsageLedger.BindQuery(Dialect, command, query);
                return await ReadAllAsync(command, r => RelationalUsageLedger.ReadSummary(Dialect, r, query.CompanyId), cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public async Task<bool> AppendAsync(RetryAttemptRecord record, CancellationToken cancellationToken)
    {
        InvoiceOcrStoreValidation.Validate(record);
        return await AppendRetryAttemptsAsync([record], cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <inheritdoc />
    public Task<int> AppendRetryAttemptsAsync(IReadOnlyList<RetryAttemptRecord> records, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(records);
        foreach (var record in records)
        {
            InvoiceOcrStoreValidation.Validate(record);
        }

        return WriteAsync(
            RelationalWork.Ledger,
            async (connection, transaction) => await RelationalUsageLedger.AppendRetryAttemptsAsync(
                Dialect,
                sql => Connections.CreateCommand(connection, transaction, sql),
                records,
                Dialect.Time(await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false)),
                Statements.InsertRetry,
                cancellationToken).ConfigureAwait(false),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RetryAttemptRecord>> ListByOperationAsync(string operationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operationId);
        return ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null, Statements.SelectRetries, ("operationId", operationId));
                return await ReadAllAsync(command, r => RelationalUsageLedger.ReadRetry(Dialect, r), cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    Task IApplicationLogSink.WriteAsync(IReadOnlyList<ApplicationLogEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return WriteAsync(
            RelationalWork.Log,
            (connection, transaction) => RelationalUsageLedger.WriteLogsAsync(Dialect, sql => Connections.CreateCommand(connection, transaction, sql), entries, Statements.InsertLog, cancellationToken),
            cancellationToken);
    }
}
