using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk.PostgreSql.Internal;

/// <summary>
/// The PostgreSQL purges: a batch of primary keys, lowest first, taken with <c>FOR UPDATE SKIP LOCKED</c> (so two
/// instances purging at once split the rows instead of waiting on each other), then deleted by key.
/// </summary>
internal static class PostgreSqlRetentionStatements
{
    public const string PurgeApplicationLogs =
        "DELETE FROM \"{schema}\".\"ApplicationLogs\" WHERE \"Id\" = ANY(ARRAY(" +
        "SELECT \"Id\" FROM \"{schema}\".\"ApplicationLogs\" WHERE \"TimestampUtc\" < @cutoff ORDER BY \"Id\" LIMIT @batch FOR UPDATE SKIP LOCKED));";

    public const string PurgeRetryAttempts =
        "DELETE FROM \"{schema}\".\"RetryAttempts\" WHERE \"Id\" = ANY(ARRAY(" +
        "SELECT \"Id\" FROM \"{schema}\".\"RetryAttempts\" WHERE \"OccurredAtUtc\" < @cutoff ORDER BY \"Id\" LIMIT @batch FOR UPDATE SKIP LOCKED));";

    public static readonly RelationalRetentionStatements Instance = RelationalRetentionStatements.FromConstants(typeof(PostgreSqlRetentionStatements));
}
