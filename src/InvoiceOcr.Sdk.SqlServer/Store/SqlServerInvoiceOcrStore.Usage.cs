using InvoiceOcr.Sdk.Persistence.Ado;
using InvoiceOcr.Sdk.SqlServer.Internal;
using Q = InvoiceOcr.Sdk.SqlServer.Store.SqlServerQueries;

namespace InvoiceOcr.Sdk;

/// <content>The usage ledger, its daily summary, the retry log and application logs.</content>
public sealed partial class SqlServerInvoiceOcrStore
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
        return WriteAsync(
            async (connection, transaction) => await AdoUsageLedger.AppendAsync(
                SqlServerDialect.Instance,
                sql => Command(connection, transaction, sql),
                records.OrderBy(static r => r.Id, StringComparer.Ordinal),
                await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false),
                Q.InsertUsage,
                Q.UpsertSummary,
                cancellationToken).ConfigureAwait(false),
            cancellationToken);
    }

    /// <inheritdoc />
    Task<UsageRecord?> IUsageLedger.GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null, Q.SelectUsage, ("@id", id));
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? AdoUsageLedger.ReadUsage(SqlServerDialect.Instance, reader) : null;
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
                using var command = Command(connection, null, Q.ListUsage);
                AdoUsageLedger.BindQuery(SqlServerDialect.Instance, command, query);
                return await AdoUsageLedger.ReadAllAsync(command, static r => AdoUsageLedger.ReadUsage(SqlServerDialect.Instance, r), cancellationToken).ConfigureAwait(false);
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
                using var command = Command(connection, null, Q.SummarizeUsage);
                AdoUsageLedger.BindGrouping(SqlServerDialect.Instance, command, grouping);
                AdoUsageLedger.BindQuery(SqlServerDialect.Instance, command, query);
                return await AdoUsageLedger.ReadAllAsync(command, r => AdoUsageLedger.ReadSummary(SqlServerDialect.Instance, r, query.CompanyId), cancellationToken).ConfigureAwait(false);
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
            async (connection, transaction) => await AdoUsageLedger.AppendRetryAttemptsAsync(
                SqlServerDialect.Instance,
                sql => Command(connection, transaction, sql),
                records,
                await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false),
                Q.InsertRetry,
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
                using var command = Command(connection, null, Q.SelectRetries, ("@operationId", operationId));
                return await AdoUsageLedger.ReadAllAsync(command, static r => AdoUsageLedger.ReadRetry(SqlServerDialect.Instance, r), cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    Task IApplicationLogSink.WriteAsync(IReadOnlyList<ApplicationLogEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return WriteAsync(
            (connection, transaction) => AdoUsageLedger.WriteLogsAsync(
                SqlServerDialect.Instance,
                sql => Command(connection, transaction, sql),
                entries,
                Q.InsertLog,
                cancellationToken),
            cancellationToken);
    }
}
