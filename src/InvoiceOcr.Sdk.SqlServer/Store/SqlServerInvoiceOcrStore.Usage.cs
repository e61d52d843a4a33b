using Microsoft.Data.SqlClient;
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

        return WriteAsync(
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                var inserted = new List<UsageRecord>(records.Count);
                foreach (var r in records.OrderBy(static r => r.Id, StringComparer.Ordinal))
                {
                    using var insert = Command(
                        connection,
                        transaction,
                        Q.InsertUsage,
                        ("@id", r.Id),
                        ("@operationId", r.OperationId),
                        ("@attempt", r.Attempt),
                        ("@companyId", r.CompanyId),
                        ("@branch", r.Branch),
                        ("@userId", r.UserId),
                        ("@keyId", r.KeyId),
                        ("@projectId", r.ProjectId),
                        ("@model", r.Model),
                        ("@responseId", r.ResponseId),
                        ("@fileName", r.FileName),
                        ("@input", r.InputTokens),
                        ("@output", r.OutputTokens),
                        ("@text", r.TextTokens),
                        ("@image", r.ImageTokens),
                        ("@document", r.DocumentTokens),
                        ("@cached", r.CachedTokens),
                        ("@thoughts", r.ThoughtsTokens),
                        ("@toolUse", r.ToolUseTokens),
                        ("@total", r.TotalTokens),
                        ("@requests", r.RequestCount),
                        ("@outcome", (byte)r.Outcome),
                        ("@failureKind", r.FailureKind?.ToString()),
                        ("@startedAt", AsIs(r.StartedAt)),
                        ("@completedAt", AsIs(r.CompletedAt)),
                        ("@json", r.RawUsageJson),
                        ("@usageDate", AsIs(UsageSummary.DayOf(r.CompletedAt))),
                        ("@now", now));
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
                        Q.UpsertSummary,
                        ("@keyId", group.Key.KeyId),
                        ("@usageDate", AsIs(group.Key.Day)),
                        ("@companyId", group.First().CompanyId),
                        ("@requests", group.Sum(r => (long)r.RequestCount)),
                        ("@failed", group.LongCount(r => r.Outcome == UsageOutcome.Failure)),
                        ("@input", group.Sum(r => r.InputTokens)),
                        ("@output", group.Sum(r => r.OutputTokens)),
                        ("@cached", group.Sum(r => r.CachedTokens)),
                        ("@thoughts", group.Sum(r => r.ThoughtsTokens)),
                        ("@total", group.Sum(r => r.TotalTokens)),
                        ("@lastUsed", AsIs(group.Max(r => r.CompletedAt))));
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
                using var command = Command(connection, null, Q.SelectUsage, ("@id", id));
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
                using var command = Command(connection, null, Q.ListUsage);
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
                    Q.SummarizeUsage,
                    ("@byBranch", grouping.HasFlag(UsageGrouping.Branch) ? 1 : 0),
                    ("@byUser", grouping.HasFlag(UsageGrouping.User) ? 1 : 0),
                    ("@byDay", grouping.HasFlag(UsageGrouping.Day) ? 1 : 0));
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
                        Day = reader.IsDBNull(2) ? null : DateOnly.FromDateTime(reader.GetDateTime(2)),
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
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                var added = 0;
                foreach (var r in records)
                {
                    using var insert = Command(
                        connection,
                        transaction,
                        Q.InsertRetry,
                        ("@operationId", r.OperationId),
                        ("@attempt", r.AttemptNumber),
                        ("@companyId", r.CompanyId),
                        ("@keyId", r.KeyId),
                        ("@errorKind", r.ErrorKind.ToString()),
                        ("@httpStatus", r.HttpStatus),
                        ("@delay", r.Delay.Ticks),
                        ("@failover", r.IsFailover),
                        ("@occurredAt", AsIs(r.Timestamp)),
                        ("@now", now));
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
                using var command = Command(connection, null, Q.SelectRetries, ("@operationId", operationId));
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
                        IsFailover = reader.GetBoolean(7),
                        Timestamp = Utc(reader.GetDateTime(8)),
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
                        Q.InsertLog,
                        ("@timestamp", AsIs(e.Timestamp)),
                        ("@level", (byte)e.Level),
                        ("@levelName", e.Level.ToString()),
                        ("@category", e.Category),
                        ("@eventId", e.EventId),
                        ("@eventName", e.EventName),
                        ("@message", SecretScrubber.Scrub(e.Message)),
                        ("@exception", SecretScrubber.Scrub(e.Exception)),
                        ("@scope", SecretScrubber.Scrub(e.Scope)),
                        ("@companyId", e.CompanyId));
                    await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }

                return entries.Count;
            },
            cancellationToken);
    }

    private static void AddQuery(SqlCommand command, UsageQuery query)
    {
        Add(command, "@companyId", query.CompanyId);
        Add(command, "@branch", query.Branch);
        Add(command, "@userId", query.UserId);
        Add(command, "@fromDay", query.FromDay);
        Add(command, "@toDay", query.ToDay);
    }

    private static UsageRecord ReadUsage(SqlDataReader reader) => new()
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
        Outcome = (UsageOutcome)reader.GetByte(21),
        FailureKind = reader.IsDBNull(22) ? null : Enum.Parse<InvoiceOcrErrorKind>(reader.GetString(22)),
        StartedAt = Utc(reader.GetDateTime(23)),
        CompletedAt = Utc(reader.GetDateTime(24)),
        RawUsageJson = NullableString(reader, 25),
    };
}
