using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk.SqlServer.Internal;

/// <summary>
/// The SQL Server purges: the lowest ids of the clustered primary key first, <c>TOP (@batch)</c> rows at most (below the
/// 5,000-lock escalation threshold, so the table is never locked whole), rows another transaction holds skipped
/// (<c>READPAST</c>) and taken next time.
/// </summary>
internal static class SqlServerRetentionStatements
{
    public const string PurgeApplicationLogs =
        "DELETE FROM [{schema}].[ApplicationLogs] WHERE [Id] IN (" +
        "SELECT TOP (@batch) [Id] FROM [{schema}].[ApplicationLogs] WITH (READPAST, ROWLOCK) WHERE [TimestampUtc] < @cutoff ORDER BY [Id]);";

    public const string PurgeRetryAttempts =
        "DELETE FROM [{schema}].[RetryAttempts] WHERE [Id] IN (" +
        "SELECT TOP (@batch) [Id] FROM [{schema}].[RetryAttempts] WITH (READPAST, ROWLOCK) WHERE [OccurredAtUtc] < @cutoff ORDER BY [Id]);";

    public static readonly RelationalRetentionStatements Instance = RelationalRetentionStatements.FromConstants(typeof(SqlServerRetentionStatements));
}
