using InvoiceOcr.Sdk.Sqlite.Internal;
using Microsoft.Data.Sqlite;

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

        return WriteAsync(
            async (connection, transaction) =>
            {
                var now = SqliteDatabase.Time(Now);
                var inserted = new List<UsageRecord>(records.Count);
                foreach (var r in records)
                {
                    using var insert = Command(
                        connection,
                        transaction,
                        InsertUsageSql,
                        ("$id", r.Id),
                        ("$operationId", r.OperationId),
                        ("$attempt", r.Attempt),
                        ("$companyId", r.CompanyId),
                        ("$branch", r.Branch),
                        ("$userId", r.UserId),
                        ("$keyId", r.KeyId),
                        ("$projectId", r.ProjectId),
                        ("$model", r.Model),
                        ("$responseId", r.ResponseId),
                        ("$fileName", r.FileName),
                        ("$input", r.InputTokens),
                        ("$output", r.OutputTokens),
                        ("$text", r.TextTokens),
                        ("$image", r.ImageTokens),
                        ("$document", r.DocumentTokens),
                        ("$cached", r.CachedTokens),
                        ("$thoughts", r.ThoughtsTokens),
                        ("$toolUse", r.ToolUseTokens),
                        ("$total", r.TotalTokens),
                        ("$requests", r.RequestCount),
                        ("$outcome", (int)r.Outcome),
                        ("$failureKind", r.FailureKind?.ToString()),
                        ("$startedAt", SqliteDatabase.Time(r.StartedAt)),
                        ("$completedAt", SqliteDatabase.Time(r.CompletedAt)),
                        ("$json", r.RawUsageJson),
                        ("$usageDate", SqliteDatabase.Date(UsageSummary.DayOf(r.CompletedAt))),
                        ("$now", now));
                    if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
                    {
                        inserted.Add(r);
                    }
                }

                // One summary row per key and day, in key order (the same lock order in every writer).
                foreach (var group in inserted
                    .GroupBy(r => (r.KeyId, Day: UsageSummary.DayOf(r.CompletedAt)))
                    .OrderBy(g => g.Key.KeyId, StringComparer.Ordinal)
                    .ThenBy(g => g.Key.Day))
                {
                    using var summary = Command(
                        connection,
                        transaction,
                        UpsertSummarySql,
                        ("$keyId", group.Key.KeyId),
                        ("$usageDate", SqliteDatabase.Date(group.Key.Day)),
                        ("$companyId", group.First().CompanyId),
                        ("$requests", group.Sum(r => (long)r.RequestCount)),
                        ("$failed", group.LongCount(r => r.Outcome == UsageOutcome.Failure)),
                        ("$input", group.Sum(r => r.InputTokens)),
                        ("$output", group.Sum(r => r.OutputTokens)),
                        ("$cached", group.Sum(r => r.CachedTokens)),
                        ("$thoughts", group.Sum(r => r.ThoughtsTokens)),
                        ("$total", group.Sum(r => r.TotalTokens)),
                        ("$lastUsed", SqliteDatabase.Time(group.Max(r => r.CompletedAt))));
                    await summary.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

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
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadUsage(reader) : null;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<UsageRecord>> ListAsync(UsageQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ReadAsync<IReadOnlyList<UsageRecord>>(
            async connection =>
            {
                using var command = Command(connection, null, ListUsageSql);
                AddQuery(command, query);
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var list = new List<UsageRecord>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    list.Add(ReadUsage(reader));
                }

                return list;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<UsageSummary>> SummarizeAsync(UsageQuery query, UsageGrouping grouping, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        return ReadAsync<IReadOnlyList<UsageSummary>>(
            async connection =>
            {
                using var command = Command(
                    connection,
                    null,
                    SummarizeUsageSql,
                    ("$byBranch", grouping.HasFlag(UsageGrouping.Branch) ? 1 : 0),
                    ("$byUser", grouping.HasFlag(UsageGrouping.User) ? 1 : 0),
                    ("$byDay", grouping.HasFlag(UsageGrouping.Day) ? 1 : 0));
                AddQuery(command, query);
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var list = new List<UsageSummary>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    list.Add(new UsageSummary
                    {
                        CompanyId = query.CompanyId,
                        Branch = NullableString(reader, 0),
                        UserId = NullableString(reader, 1),
                        Day = reader.IsDBNull(2) ? null : SqliteDatabase.ParseDate(reader.GetString(2)),
                        RequestCount = reader.GetInt64(3),
                        FailedRequests = reader.GetInt64(4),
                        InputTokens = reader.GetInt64(5),
                        OutputTokens = reader.GetInt64(6),
                        CachedTokens = reader.GetInt64(7),
                        ThoughtsTokens = reader.GetInt64(8),
                        TotalTokens = reader.GetInt64(9),
                    });
                }

                return list;
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
            async (connection, transaction) =>
            {
                var now = SqliteDatabase.Time(Now);
                var added = 0;
                foreach (var r in records)
                {
                    using var insert = Command(
                        connection,
                        transaction,
                        InsertRetrySql,
                        ("$operationId", r.OperationId),
                        ("$attempt", r.AttemptNumber),
                        ("$companyId", r.CompanyId),
                        ("$keyId", r.KeyId),
                        ("$errorKind", r.ErrorKind.ToString()),
                        ("$httpStatus", r.HttpStatus),
                        ("$delay", r.Delay.Ticks),
                        ("$failover", r.IsFailover ? 1 : 0),
                        ("$occurredAt", SqliteDatabase.Time(r.Timestamp)),
                        ("$now", now));
                    added += await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                return added;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<RetryAttemptRecord>> ListByOperationAsync(string operationId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(operationId);
        return ReadAsync<IReadOnlyList<RetryAttemptRecord>>(
            async connection =>
            {
                using var command = Command(connection, null, SelectRetriesSql, ("$operationId", operationId));
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var list = new List<RetryAttemptRecord>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    list.Add(new RetryAttemptRecord
                    {
                        OperationId = reader.GetString(0),
                        AttemptNumber = reader.GetInt32(1),
                        CompanyId = reader.GetString(2),
                        KeyId = NullableString(reader, 3),
                        ErrorKind = Enum.Parse<InvoiceOcrErrorKind>(reader.GetString(4)),
                        HttpStatus = NullableInt32(reader, 5),
                        Delay = TimeSpan.FromTicks(reader.GetInt64(6)),
                        IsFailover = reader.GetInt64(7) != 0,
                        Timestamp = SqliteDatabase.ParseTime(reader.GetString(8)),
                    });
                }

                return list;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    Task IApplicationLogSink.WriteAsync(IReadOnlyList<ApplicationLogEntry> entries, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entries);
        return WriteAsync(
            async (connection, transaction) =>
            {
                foreach (var e in entries)
                {
                    using var insert = Command(
                        connection,
                        transaction,
                        InsertLogSql,
                        ("$timestamp", SqliteDatabase.Time(e.Timestamp)),
                        ("$level", (int)e.Level),
                        ("$levelName", e.Level.ToString()),
                        ("$category", e.Category),
                        ("$eventId", e.EventId),
                        ("$eventName", e.EventName),
                        ("$message", SecretScrubber.Scrub(e.Message)),
                        ("$exception", SecretScrubber.Scrub(e.Exception)),
                        ("$scope", SecretScrubber.Scrub(e.Scope)),
                        ("$companyId", e.CompanyId));
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                return entries.Count;
            },
            cancellationToken);
    }

    private static void AddQuery(SqliteCommand command, UsageQuery query)
    {
        command.Parameters.AddWithValue("$companyId", query.CompanyId);
        command.Parameters.AddWithValue("$branch", (object?)query.Branch ?? DBNull.Value);
        command.Parameters.AddWithValue("$userId", (object?)query.UserId ?? DBNull.Value);
        command.Parameters.AddWithValue("$fromDay", query.FromDay is { } from ? SqliteDatabase.Date(from) : DBNull.Value);
        command.Parameters.AddWithValue("$toDay", query.ToDay is { } to ? SqliteDatabase.Date(to) : DBNull.Value);
    }

    private static UsageRecord ReadUsage(SqliteDataReader reader) => new()
    {
        Id = reader.GetString(0),
        OperationId = reader.GetString(1),
        Attempt = reader.GetInt32(2),
        CompanyId = reader.GetString(3),
        Branch = NullableString(reader, 4),
        UserId = NullableString(reader, 5),
        KeyId = reader.GetString(6),
        ProjectId = NullableString(reader, 7),
        Model = reader.GetString(8),
        ResponseId = NullableString(reader, 9),
        FileName = NullableString(reader, 10),
        InputTokens = reader.GetInt64(11),
        OutputTokens = reader.GetInt64(12),
        TextTokens = reader.GetInt64(13),
        ImageTokens = reader.GetInt64(14),
        DocumentTokens = reader.GetInt64(15),
        CachedTokens = reader.GetInt64(16),
        ThoughtsTokens = reader.GetInt64(17),
        ToolUseTokens = reader.GetInt64(18),
        TotalTokens = reader.GetInt64(19),
        RequestCount = reader.GetInt32(20),
        Outcome = (UsageOutcome)reader.GetInt32(21),
        FailureKind = reader.IsDBNull(22) ? null : Enum.Parse<InvoiceOcrErrorKind>(reader.GetString(22)),
        StartedAt = SqliteDatabase.ParseTime(reader.GetString(23)),
        CompletedAt = SqliteDatabase.ParseTime(reader.GetString(24)),
        RawUsageJson = NullableString(reader, 25),
    };
}
