using InvoiceOcr.Sdk.Persistence.Ado;
using InvoiceOcr.Sdk.Sqlite.Internal;

namespace InvoiceOcr.Sdk;

/// <content>The usage ledger, its daily summary, the retry log and application logs.</content>
public sealed partial class SqliteInvoiceOcrStore
{
    internal const string UsageColumns =
        "UsageId, OperationId, Attempt, CompanyId, Branch, UserId, TokenId, ProjectId, Model, ResponseId, FileName, " +
        "InputTokens, OutputTokens, TextTokens, ImageTokens, DocumentTokens, CachedTokens, ThoughtsTokens, ToolUseTokens, TotalTokens, RequestCount, " +
        "Outcome, FailureKind, StartedAtUtc, CompletedAtUtc, UsageMetadataJson";

    internal const string InsertUsageSql =
        "INSERT INTO TokenUsageLogs (" + UsageColumns + ", UsageDate, RecordedAtUtc) VALUES ($id, $operationId, $attempt, $companyId, $branch, $userId, $keyId, $projectId, " +
        "$model, $responseId, $fileName, $input, $output, $text, $image, $document, $cached, $thoughts, $toolUse, $total, $requests, $outcome, $failureKind, " +
        "$startedAt, $completedAt, $json, $usageDate, $now) ON CONFLICT (UsageId) DO NOTHING;";

    internal const string UpsertSummarySql =
        "INSERT INTO TokenUsageSummary (TokenId, UsageDate, CompanyId, RequestCount, FailedRequests, InputTokens, OutputTokens, CachedTokens, ThoughtsTokens, TotalTokens, LastUsedAtUtc) " +
        "VALUES ($keyId, $usageDate, $companyId, $requests, $failed, $input, $output, $cached, $thoughts, $total, $lastUsed) " +
        "ON CONFLICT (TokenId, UsageDate) DO UPDATE SET RequestCount = TokenUsageSummary.RequestCount + excluded.RequestCount, " +
        "FailedRequests = TokenUsageSummary.FailedRequests + excluded.FailedRequests, InputTokens = TokenUsageSummary.InputTokens + excluded.InputTokens, " +
        "OutputTokens = TokenUsageSummary.OutputTokens + excluded.OutputTokens, CachedTokens = TokenUsageSummary.CachedTokens + excluded.CachedTokens, " +
        "ThoughtsTokens = TokenUsageSummary.ThoughtsTokens + excluded.ThoughtsTokens, TotalTokens = TokenUsageSummary.TotalTokens + excluded.TotalTokens, " +
        "LastUsedAtUtc = MAX(TokenUsageSummary.LastUsedAtUtc, excluded.LastUsedAtUtc);";

    internal const string SelectUsageSql = "SELECT " + UsageColumns + " FROM TokenUsageLogs WHERE UsageId = $id;";

    internal const string UsageFilter =
        " FROM TokenUsageLogs WHERE CompanyId = $companyId AND ($branch IS NULL OR Branch = $branch) AND ($userId IS NULL OR UserId = $userId) " +
        "AND ($fromDay IS NULL OR UsageDate >= $fromDay) AND ($toDay IS NULL OR UsageDate <= $toDay)";

    internal const string ListUsageSql = "SELECT " + UsageColumns + UsageFilter + " ORDER BY CompletedAtUtc, UsageId;";

    internal const string SummarizeUsageSql =
        "SELECT CASE WHEN $byBranch = 1 THEN Branch END AS GroupBranch, CASE WHEN $byUser = 1 THEN UserId END AS GroupUser, " +
        "CASE WHEN $byDay = 1 THEN UsageDate END AS GroupDay, SUM(RequestCount), SUM(CASE WHEN Outcome = 1 THEN 1 ELSE 0 END), " +
        "SUM(InputTokens), SUM(OutputTokens), SUM(CachedTokens), SUM(ThoughtsTokens), SUM(TotalTokens)" + UsageFilter +
        " GROUP BY GroupBranch, GroupUser, GroupDay ORDER BY GroupBranch, GroupUser, GroupDay;";

    internal const string InsertRetrySql =
        "INSERT INTO RetryAttempts (OperationId, AttemptNumber, CompanyId, TokenId, ErrorKind, HttpStatus, DelayTicks, IsFailover, OccurredAtUtc, RecordedAtUtc) " +
        "VALUES ($operationId, $attempt, $companyId, $keyId, $errorKind, $httpStatus, $delay, $failover, $occurredAt, $now) ON CONFLICT (OperationId, AttemptNumber) DO NOTHING;";

    internal const string SelectRetriesSql =
        "SELECT OperationId, AttemptNumber, CompanyId, TokenId, ErrorKind, HttpStatus, DelayTicks, IsFailover, OccurredAtUtc FROM RetryAttempts WHERE OperationId = $operationId ORDER BY AttemptNumber;";

    internal const string InsertLogSql =
        "INSERT INTO ApplicationLogs (TimestampUtc, Level, LevelName, Category, EventId, EventName, Message, Exception, Scope, CompanyId) " +
        "VALUES ($timestamp, $level, $levelName, $category, $eventId, $eventName, $message, $exception, $scope, $companyId);";

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

        // One write lock for the whole file: insertion order cannot deadlock, so records go in as given.
        return WriteAsync(
            _database.LedgerSynchronous,
            async (connection, transaction) =>
            {
                var inserted = SqliteUsageRows.Insert(connection, InsertUsageSql, records, SqliteDatabase.Time(Now));
                await AdoUsageLedger.AddToSummariesAsync(SqliteDialect.Instance, sql => Command(connection, transaction, sql), inserted, UpsertSummarySql, cancellationToken).ConfigureAwait(false);
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
                using var command = Command(connection, null, SelectUsageSql, ("$id", id));
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? AdoUsageLedger.ReadUsage(SqliteDialect.Instance, reader) : null;
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
                using var command = Command(connection, null, ListUsageSql);
                AdoUsageLedger.BindQuery(SqliteDialect.Instance, command, query);
                return await AdoUsageLedger.ReadAllAsync(command, static r => AdoUsageLedger.ReadUsage(SqliteDialect.Instance, r), cancellationToken).ConfigureAwait(false);
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
                using var command = Command(connection, null, SummarizeUsageSql);
                AdoUsageLedger.BindGrouping(SqliteDialect.Instance, command, grouping);
                AdoUsageLedger.BindQuery(SqliteDialect.Instance, command, query);
                return await AdoUsageLedger.ReadAllAsync(command, r => AdoUsageLedger.ReadSummary(SqliteDialect.Instance, r, query.CompanyId), cancellationToken).ConfigureAwait(false);
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
            _database.LedgerSynchronous,
            (connection, transaction) => AdoUsageLedger.AppendRetryAttemptsAsync(
                SqliteDialect.Instance,
                sql => Command(connection, transaction, sql),
                records,
                SqliteDatabase.Time(Now),
                InsertRetrySql,
                cancellationToken),
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RetryAttemptRecord>> ListByOperationAsync(string operationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operationId);
        return ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null, SelectRetriesSql, ("$operationId", operationId));
                return await AdoUsageLedger.ReadAllAsync(command, static r => AdoUsageLedger.ReadRetry(SqliteDialect.Instance, r), cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    Task IApplicationLogSink.WriteAsync(IReadOnlyList<ApplicationLogEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return WriteAsync(
            SqliteSynchronous.Normal,
            (connection, transaction) => AdoUsageLedger.WriteLogsAsync(
                SqliteDialect.Instance,
                sql => Command(connection, transaction, sql),
                entries,
                InsertLogSql,
                cancellationToken),
            cancellationToken);
    }
}
