namespace InvoiceOcr.Sdk.Sqlite.Internal;

/// <summary>
/// Inserts usage ledger rows through one statement prepared per batch with values bound by position (the batch
/// path: a 256-row group commit binds 7,500 values). The unique <c>UsageId</c> with <c>ON CONFLICT DO NOTHING</c>
/// keeps a replayed record from counting twice.
/// </summary>
internal static class SqliteUsageRows
{
    /// <summary>Inserts each record whose id is new, in the caller's transaction.</summary>
    /// <param name="connection">The open connection, inside its write transaction.</param>
    /// <param name="insertUsageSql">The insert statement, with the parameters bound below.</param>
    /// <param name="records">The validated records, in the order to insert them.</param>
    /// <param name="now">The recording time as stored.</param>
    /// <returns>The records that were new, in order.</returns>
    public static List<UsageRecord> Insert(Microsoft.Data.Sqlite.SqliteConnection connection, string insertUsageSql, IReadOnlyList<UsageRecord> records, string now)
    {
        var inserted = new List<UsageRecord>(records.Count);
        // A connection the store keeps open keeps the statement prepared (one row per call on the model-call path).
        var cache = SqliteDatabase.TryGetCache(connection, out var c) ? c : null;
        var statement = cache?.TakeStatement(insertUsageSql) ?? SqliteStatement.Prepare(connection, insertUsageSql);
        try
        {
            InsertCore(statement, records, now, inserted);
        }
        catch
        {
            statement.Dispose();
            throw;
        }

        if (cache is null || !cache.ReturnStatement(insertUsageSql, statement))
        {
            statement.Dispose();
        }

        return inserted;
    }

    private static void InsertCore(SqliteStatement statement, IReadOnlyList<UsageRecord> records, string now, List<UsageRecord> inserted)
    {
        var id = statement.IndexOf("$id");
        var operationId = statement.IndexOf("$operationId");
        var attempt = statement.IndexOf("$attempt");
        var companyId = statement.IndexOf("$companyId");
        var branch = statement.IndexOf("$branch");
        var userId = statement.IndexOf("$userId");
        var keyId = statement.IndexOf("$keyId");
        var projectId = statement.IndexOf("$projectId");
        var model = statement.IndexOf("$model");
        var responseId = statement.IndexOf("$responseId");
        var fileName = statement.IndexOf("$fileName");
        var input = statement.IndexOf("$input");
        var output = statement.IndexOf("$output");
        var text = statement.IndexOf("$text");
        var image = statement.IndexOf("$image");
        var document = statement.IndexOf("$document");
        var cached = statement.IndexOf("$cached");
        var thoughts = statement.IndexOf("$thoughts");
        var toolUse = statement.IndexOf("$toolUse");
        var total = statement.IndexOf("$total");
        var requests = statement.IndexOf("$requests");
        var outcome = statement.IndexOf("$outcome");
        var failureKind = statement.IndexOf("$failureKind");
        var startedAt = statement.IndexOf("$startedAt");
        var completedAt = statement.IndexOf("$completedAt");
        var json = statement.IndexOf("$json");
        var usageDate = statement.IndexOf("$usageDate");
        var costNanos = statement.IndexOf("$costNanos");
        var currency = statement.IndexOf("$currency");
        var serviceTier = statement.IndexOf("$serviceTier");
        statement.Bind(statement.IndexOf("$now"), now);
        foreach (var r in records)
        {
            statement.Bind(id, r.Id);
            statement.Bind(operationId, r.OperationId);
            statement.Bind(attempt, r.Attempt);
            statement.Bind(companyId, r.CompanyId);
            statement.Bind(branch, r.Branch);
            statement.Bind(userId, r.UserId);
            statement.Bind(keyId, r.KeyId);
            statement.Bind(projectId, r.ProjectId);
            statement.Bind(model, r.Model);
            statement.Bind(responseId, r.ResponseId);
            statement.Bind(fileName, r.FileName);
            statement.Bind(input, r.InputTokens);
            statement.Bind(output, r.OutputTokens);
            statement.Bind(text, r.TextTokens);
            statement.Bind(image, r.ImageTokens);
            statement.Bind(document, r.DocumentTokens);
            statement.Bind(cached, r.CachedTokens);
            statement.Bind(thoughts, r.ThoughtsTokens);
            statement.Bind(toolUse, r.ToolUseTokens);
            statement.Bind(total, r.TotalTokens);
            statement.Bind(requests, r.RequestCount);
            statement.Bind(outcome, (int)r.Outcome);
            statement.Bind(failureKind, r.FailureKind?.ToString());
            statement.Bind(startedAt, SqliteDatabase.Time(r.StartedAt));
            statement.Bind(completedAt, SqliteDatabase.Time(r.CompletedAt));
            statement.Bind(json, r.RawUsageJson);
            statement.Bind(usageDate, SqliteDatabase.Date(UsageSummary.DayOf(r.CompletedAt)));
            if (r.Cost is { } cost)
            {
                statement.Bind(costNanos, UsageCost.ToNanos(cost));
            }
            else
            {
                statement.Bind(costNanos, (string?)null);
            }

            statement.Bind(currency, r.Currency);
            statement.Bind(serviceTier, (int)r.ServiceTier);
            if (statement.Execute() == 1)
            {
                inserted.Add(r);
            }
        }
    }
}
