using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk.Sqlite.Internal;

/// <summary>
/// The SQLite purges: at most <c>$batch</c> rows, lowest id first, so each batch holds the file's one write lock only
/// briefly and the application's writes interleave between batches.
/// </summary>
internal static class SqliteRetentionStatements
{
    public const string PurgeApplicationLogs =
        "DELETE FROM ApplicationLogs WHERE Id IN (SELECT Id FROM ApplicationLogs WHERE TimestampUtc < $cutoff ORDER BY Id LIMIT $batch);";

    public const string PurgeRetryAttempts =
        "DELETE FROM RetryAttempts WHERE Id IN (SELECT Id FROM RetryAttempts WHERE OccurredAtUtc < $cutoff ORDER BY Id LIMIT $batch);";

    public static readonly RelationalRetentionStatements Instance = RelationalRetentionStatements.FromConstants(typeof(SqliteRetentionStatements));
}
