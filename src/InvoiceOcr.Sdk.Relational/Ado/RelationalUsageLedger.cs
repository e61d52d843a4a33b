using System.Data.Common;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// The usage ledger, its daily summary, the retry log and application logs over any ADO.NET provider: the row
/// mapping, the parameter binding and the summary grouping, written once. Each store supplies its SQL text (the
/// dialects differ), a command factory bound to its connection and transaction, and its <see cref="RelationalDialect"/>.
/// </summary>
internal static class RelationalUsageLedger
{
    /// <summary>Inserts each record (a duplicate id inserts nothing) through one command whose parameters change per row.</summary>
    /// <param name="dialect">The provider's dialect.</param>
    /// <param name="command">Creates a command for SQL text on the current connection and transaction.</param>
    /// <param name="records">The validated records, in the order to insert them.</param>
    /// <param name="now">The recording time, already converted for the provider.</param>
    /// <param name="insertUsageSql">The insert statement; parameters as bound by <see cref="BindUsage"/>.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>The records that were new, in order.</returns>
    public static async Task<IReadOnlyList<UsageRecord>> InsertAsync(
        RelationalDialect dialect,
        Func<string, DbCommand> command,
        IReadOnlyList<UsageRecord> records,
        object now,
        string insertUsageSql,
        CancellationToken cancellationToken)
    {
        var inserted = new List<UsageRecord>(records.Count);
        using var insert = command(insertUsageSql);
        foreach (var r in records)
        {
            insert.Parameters.Clear();
            BindUsage(dialect, insert, r, now);
            if (await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
            {
                inserted.Add(r);
            }
        }

        return inserted;
    }

    /// <summary>
    /// Adds newly inserted records to their key's daily summary: one upsert per key and day, in key order (the same
    /// lock order in every writer). Call it in the transaction that inserted them.
    /// </summary>
    /// <param name="dialect">The provider's dialect.</param>
    /// <param name="command">Creates a command for SQL text on the current connection and transaction.</param>
    /// <param name="inserted">The records this transaction inserted (duplicates already left out).</param>
    /// <param name="upsertSummarySql">The summary upsert; parameters as bound by <see cref="BindSummary"/>.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>A task that completes when every summary row is updated.</returns>
    public static async Task AddToSummariesAsync(
        RelationalDialect dialect,
        Func<string, DbCommand> command,
        IReadOnlyList<UsageRecord> inserted,
        string upsertSummarySql,
        CancellationToken cancellationToken)
    {
        foreach (var group in inserted
            .GroupBy(r => (r.KeyId, Day: UsageSummary.DayOf(r.CompletedAt)))
            .OrderBy(g => g.Key.KeyId, StringComparer.Ordinal)
            .ThenBy(g => g.Key.Day))
        {
            using var summary = command(upsertSummarySql);
            BindSummary(dialect, summary, group.Key.KeyId, group.Key.Day, group);
            await summary.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Inserts retry attempts (a duplicate operation and attempt number inserts nothing).</summary>
    /// <param name="dialect">The provider's dialect.</param>
    /// <param name="command">Creates a command for SQL text on the current connection and transaction.</param>
    /// <param name="records">The validated records.</param>
    /// <param name="now">The recording time, already converted for the provider.</param>
    /// <param name="insertRetrySql">The insert statement; parameters as bound by <see cref="BindRetry"/>.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>How many attempts were new.</returns>
    public static async Task<int> AppendRetryAttemptsAsync(
        RelationalDialect dialect,
        Func<string, DbCommand> command,
        IReadOnlyList<RetryAttemptRecord> records,
        object now,
        string insertRetrySql,
        CancellationToken cancellationToken)
    {
        var added = 0;
        foreach (var r in records)
        {
            using var insert = command(insertRetrySql);
            BindRetry(dialect, insert, r, now);
            added += await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return added;
    }

    /// <summary>Inserts application log entries, scrubbing secrets from their free text.</summary>
    /// <param name="dialect">The provider's dialect.</param>
    /// <param name="command">Creates a command for SQL text on the current connection and transaction.</param>
    /// <param name="entries">The entries.</param>
    /// <param name="insertLogSql">The insert statement; parameters as bound by <see cref="BindLog"/>.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>How many entries were written.</returns>
    public static async Task<int> WriteLogsAsync(
        RelationalDialect dialect,
        Func<string, DbCommand> command,
        IReadOnlyList<ApplicationLogEntry> entries,
        string insertLogSql,
        CancellationToken cancellationToken)
    {
        foreach (var e in entries)
        {
            using var insert = command(insertLogSql);
            BindLog(dialect, insert, e);
            await insert.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return entries.Count;
    }

    /// <summary>Reads every row of <paramref name="command"/> with <paramref name="map"/>.</summary>
    /// <typeparam name="T">The row type.</typeparam>
    /// <param name="command">The query.</param>
    /// <param name="map">Maps the current row.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The rows in the order read.</returns>
    public static async Task<IReadOnlyList<T>> ReadAllAsync<T>(DbCommand command, Func<DbDataReader, T> map, CancellationToken cancellationToken)
    {
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            var list = new List<T>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                list.Add(map(reader));
            }

            return list;
        }
    }

    /// <summary>Binds one usage record's columns.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="command">The insert command.</param>
    /// <param name="r">The record.</param>
    /// <param name="now">The recording time, already converted for the provider.</param>
    public static void BindUsage(RelationalDialect d, DbCommand command, UsageRecord r, object now)
    {
        d.Add(command, "id", r.Id);
        d.Add(command, "operationId", r.OperationId);
        d.Add(command, "attempt", r.Attempt);
        d.Add(command, "companyId", r.CompanyId);
        d.Add(command, "branch", r.Branch);
        d.Add(command, "userId", r.UserId);
        d.Add(command, "keyId", r.KeyId);
        d.Add(command, "projectId", r.ProjectId);
        d.Add(command, "model", r.Model);
        d.Add(command, "responseId", r.ResponseId);
        d.Add(command, "fileName", r.FileName);
        d.Add(command, "input", r.InputTokens);
        d.Add(command, "output", r.OutputTokens);
        d.Add(command, "text", r.TextTokens);
        d.Add(command, "image", r.ImageTokens);
        d.Add(command, "document", r.DocumentTokens);
        d.Add(command, "cached", r.CachedTokens);
        d.Add(command, "thoughts", r.ThoughtsTokens);
        d.Add(command, "toolUse", r.ToolUseTokens);
        d.Add(command, "total", r.TotalTokens);
        d.Add(command, "requests", r.RequestCount);
        d.Add(command, "outcome", d.SmallInteger((int)r.Outcome));
        d.Add(command, "failureKind", r.FailureKind?.ToString());
        d.Add(command, "startedAt", d.Time(r.StartedAt));
        d.Add(command, "completedAt", d.Time(r.CompletedAt));
        d.Add(command, "json", r.RawUsageJson);
        d.Add(command, "costNanos", r.Cost is { } cost ? UsageCost.ToNanos(cost) : null);
        d.Add(command, "currency", r.Currency);
        d.Add(command, "serviceTier", d.SmallInteger((int)r.ServiceTier));
        d.Add(command, "usageDate", d.Date(UsageSummary.DayOf(r.CompletedAt)));
        d.Add(command, "now", now);
    }

    /// <summary>Binds one key's and day's summary increment.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="command">The upsert command.</param>
    /// <param name="keyId">The key.</param>
    /// <param name="day">The UTC day.</param>
    /// <param name="group">The key's newly inserted records of that day (at least one).</param>
    public static void BindSummary(RelationalDialect d, DbCommand command, string keyId, DateOnly day, IEnumerable<UsageRecord> group)
    {
        d.Add(command, "keyId", keyId);
        d.Add(command, "usageDate", d.Date(day));
        d.Add(command, "companyId", group.First().CompanyId);
        d.Add(command, "requests", group.Sum(r => (long)r.RequestCount));
        d.Add(command, "failed", group.LongCount(r => r.Outcome == UsageOutcome.Failure));
        d.Add(command, "input", group.Sum(r => r.InputTokens));
        d.Add(command, "output", group.Sum(r => r.OutputTokens));
        d.Add(command, "cached", group.Sum(r => r.CachedTokens));
        d.Add(command, "thoughts", group.Sum(r => r.ThoughtsTokens));
        d.Add(command, "total", group.Sum(r => r.TotalTokens));
        d.Add(command, "lastUsed", d.Time(group.Max(r => r.CompletedAt)));
    }

    /// <summary>Binds a usage query's filter.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="command">The query command.</param>
    /// <param name="query">The filter.</param>
    public static void BindQuery(RelationalDialect d, DbCommand command, UsageQuery query)
    {
        d.Add(command, "companyId", query.CompanyId);
        d.Add(command, "branch", query.Branch);
        d.Add(command, "userId", query.UserId);
        d.Add(command, "fromDay", query.FromDay is { } from ? d.Date(from) : null);
        d.Add(command, "toDay", query.ToDay is { } to ? d.Date(to) : null);
    }

    /// <summary>Binds the grouping switches of a usage summary.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="command">The summary command.</param>
    /// <param name="grouping">The grouping.</param>
    public static void BindGrouping(RelationalDialect d, DbCommand command, UsageGrouping grouping)
    {
        d.Add(command, "byBranch", grouping.HasFlag(UsageGrouping.Branch) ? 1 : 0);
        d.Add(command, "byUser", grouping.HasFlag(UsageGrouping.User) ? 1 : 0);
        d.Add(command, "byDay", grouping.HasFlag(UsageGrouping.Day) ? 1 : 0);
    }

    /// <summary>Binds one retry attempt's columns.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="command">The insert command.</param>
    /// <param name="r">The attempt.</param>
    /// <param name="now">The recording time, already converted for the provider.</param>
    public static void BindRetry(RelationalDialect d, DbCommand command, RetryAttemptRecord r, object now)
    {
        d.Add(command, "operationId", r.OperationId);
        d.Add(command, "attempt", r.AttemptNumber);
        d.Add(command, "companyId", r.CompanyId);
        d.Add(command, "keyId", r.KeyId);
        d.Add(command, "errorKind", r.ErrorKind.ToString());
        d.Add(command, "httpStatus", r.HttpStatus);
        d.Add(command, "delay", r.Delay.Ticks);
        d.Add(command, "failover", d.Flag(r.IsFailover));
        d.Add(command, "occurredAt", d.Time(r.Timestamp));
        d.Add(command, "now", now);
    }

    /// <summary>Binds one application log entry's columns, scrubbing secrets from its free text.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="command">The insert command.</param>
    /// <param name="e">The entry.</param>
    public static void BindLog(RelationalDialect d, DbCommand command, ApplicationLogEntry e)
    {
        d.Add(command, "timestamp", d.Time(e.Timestamp));
        d.Add(command, "level", d.SmallInteger((int)e.Level));
        d.Add(command, "levelName", e.Level.ToString());
        d.Add(command, "category", e.Category);
        d.Add(command, "eventId", e.EventId);
        d.Add(command, "eventName", e.EventName);
        d.Add(command, "message", SecretScrubber.Scrub(e.Message));
        d.Add(command, "exception", SecretScrubber.Scrub(e.Exception));
        d.Add(command, "scope", SecretScrubber.Scrub(e.Scope));
        d.Add(command, "companyId", e.CompanyId);
    }

    /// <summary>Reads a usage row selected with the ledger's column list.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="reader">The reader, on a row.</param>
    /// <returns>The record.</returns>
    public static UsageRecord ReadUsage(RelationalDialect d, DbDataReader reader) => new()
    {
        Id = reader.GetString(0),
        OperationId = reader.GetString(1),
        Attempt = reader.GetInt32(2),
        CompanyId = reader.GetString(3),
        Branch = RelationalReader.NullableString(reader, 4),
        UserId = RelationalReader.NullableString(reader, 5),
        KeyId = reader.GetString(6),
        ProjectId = RelationalReader.NullableString(reader, 7),
        Model = reader.GetString(8),
        ResponseId = RelationalReader.NullableString(reader, 9),
        FileName = RelationalReader.NullableString(reader, 10),
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
        Outcome = (UsageOutcome)d.ReadSmallInteger(reader, 21),
        FailureKind = reader.IsDBNull(22) ? null : Enum.Parse<InvoiceOcrErrorKind>(reader.GetString(22)),
        StartedAt = d.ReadTime(reader, 23),
        CompletedAt = d.ReadTime(reader, 24),
        RawUsageJson = RelationalReader.NullableString(reader, 25),
        Cost = reader.IsDBNull(26) ? null : UsageCost.FromNanos(reader.GetInt64(26)),
        Currency = RelationalReader.NullableString(reader, 27)?.Trim(),
        ServiceTier = reader.FieldCount > 28 && !reader.IsDBNull(28) ? (ServiceTier)d.ReadSmallInteger(reader, 28) : ServiceTier.Standard,
    };

    /// <summary>Reads a summary row: group branch, user and day, then the nine sums, the cost sum and the currency.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="reader">The reader, on a row.</param>
    /// <param name="companyId">The queried company.</param>
    /// <returns>The summary.</returns>
    public static UsageSummary ReadSummary(RelationalDialect d, DbDataReader reader, string companyId) => new()
    {
        CompanyId = companyId,
        Branch = RelationalReader.NullableString(reader, 0),
        UserId = RelationalReader.NullableString(reader, 1),
        Day = reader.IsDBNull(2) ? null : d.ReadDate(reader, 2),
        RequestCount = reader.GetInt64(3),
        FailedRequests = reader.GetInt64(4),
        InputTokens = reader.GetInt64(5),
        OutputTokens = reader.GetInt64(6),
        CachedTokens = reader.GetInt64(7),
        ThoughtsTokens = reader.GetInt64(8),
        TotalTokens = reader.GetInt64(9),
        Cost = reader.IsDBNull(10) ? 0 : UsageCost.FromNanos(reader.GetInt64(10)),
        Currency = RelationalReader.NullableString(reader, 11)?.Trim(),
    };

    /// <summary>Reads a retry attempt row.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="reader">The reader, on a row.</param>
    /// <returns>The attempt.</returns>
    public static RetryAttemptRecord ReadRetry(RelationalDialect d, DbDataReader reader) => new()
    {
        OperationId = reader.GetString(0),
        AttemptNumber = reader.GetInt32(1),
        CompanyId = reader.GetString(2),
        KeyId = RelationalReader.NullableString(reader, 3),
        ErrorKind = Enum.Parse<InvoiceOcrErrorKind>(reader.GetString(4)),
        HttpStatus = RelationalReader.NullableInt32(reader, 5),
        Delay = TimeSpan.FromTicks(reader.GetInt64(6)),
        IsFailover = d.ReadFlag(reader, 7),
        Timestamp = d.ReadTime(reader, 8),
    };
}
