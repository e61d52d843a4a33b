using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// How long a relational store keeps its operational tables, purged by a background service in small batches. Billing
/// data (the usage ledger and its daily summaries) has no setting here: it is never purged.
/// </summary>
public sealed class RelationalRetentionOptions
{
    /// <summary>The largest batch a purge may delete in one statement: below SQL Server's lock escalation threshold (5,000 locks on one table or index).</summary>
    public const int MaxBatchSize = 4_999;

    /// <summary>Gets or sets how long application log rows (<c>ApplicationLogs</c>) are kept, by their timestamp; <see langword="null"/> keeps them forever.</summary>
    /// <value>The default value is 30 days.</value>
    public TimeSpan? ApplicationLogs { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Gets or sets how long retry attempt rows (<c>RetryAttempts</c>) are kept, by when the attempt occurred; <see langword="null"/> keeps them forever.</summary>
    /// <value>The default value is 90 days.</value>
    public TimeSpan? RetryAttempts { get; set; } = TimeSpan.FromDays(90);

    /// <summary>Gets or sets how often the purge runs (first when the host starts).</summary>
    /// <value>The default value is 1 hour.</value>
    public TimeSpan PurgeInterval { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Gets or sets the most rows one statement deletes; each batch is its own short transaction.</summary>
    /// <value>The default value is 1,000.</value>
    [Range(1, MaxBatchSize)]
    public int BatchSize { get; set; } = 1_000;

    /// <summary>Gets or sets the pause between two batches of one table, so the purge leaves the database to the application's writes.</summary>
    /// <value>The default value is 50 milliseconds.</value>
    public TimeSpan BatchPause { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Returns the failures of these options (empty when valid).</summary>
    /// <param name="optionsName">The options' name in messages, for example <c>SqliteStoreOptions.Retention</c>.</param>
    /// <returns>The failure messages.</returns>
    internal IEnumerable<string> Validate(string optionsName)
    {
        if (ApplicationLogs is { } logs && logs <= TimeSpan.Zero)
        {
            yield return optionsName + ".ApplicationLogs must be positive, or null to keep application logs forever.";
        }

        if (RetryAttempts is { } retries && retries <= TimeSpan.Zero)
        {
            yield return optionsName + ".RetryAttempts must be positive, or null to keep retry attempts forever.";
        }

        if (PurgeInterval <= TimeSpan.Zero)
        {
            yield return optionsName + ".PurgeInterval must be positive.";
        }

        if (BatchSize is < 1 or > MaxBatchSize)
        {
            yield return optionsName + ".BatchSize must be between 1 and 4999 (below SQL Server's lock escalation threshold).";
        }

        if (BatchPause < TimeSpan.Zero)
        {
            yield return optionsName + ".BatchPause must not be negative.";
        }
    }
}

/// <summary>A table a relational store purges by age (never the usage ledger or its summaries: billing data is kept).</summary>
public enum RelationalRetentionTable
{
    /// <summary>The database logger's rows (<c>ApplicationLogs</c>), by <c>TimestampUtc</c>.</summary>
    ApplicationLogs = 0,

    /// <summary>The retry log (<c>RetryAttempts</c>), by <c>OccurredAtUtc</c>.</summary>
    RetryAttempts = 1,
}

/// <summary>
/// A provider's purge statements, one per <see cref="RelationalRetentionTable"/>. Each deletes at most <c>batch</c> rows
/// older than <c>cutoff</c> (parameters named without the dialect's prefix), lowest primary key first, and affects the
/// rows it deleted; each runs alone in its own short transaction.
/// </summary>
public sealed class RelationalRetentionStatements
{
    /// <summary>
    /// Builds the table from a provider's class of SQL constants: each property takes the <c>const string</c> of the same
    /// name (public or not), so the list of statements is written once, here, and a provider writes only its SQL text.
    /// </summary>
    /// <param name="constants">The provider's class of constants, for example <c>typeof(SqlServerQueries)</c>.</param>
    /// <returns>The table.</returns>
    /// <exception cref="InvalidOperationException">A required statement has no constant.</exception>
    public static RelationalRetentionStatements FromConstants([System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicFields | System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.NonPublicFields)] Type constants) =>
        StatementTable.FromConstants<RelationalRetentionStatements>(constants);

    /// <summary>Gets the purge of application logs whose <c>TimestampUtc</c> is before <c>cutoff</c>, at most <c>batch</c> rows.</summary>
    public required string PurgeApplicationLogs { get; init; }

    /// <summary>Gets the purge of retry attempts whose <c>OccurredAtUtc</c> is before <c>cutoff</c>, at most <c>batch</c> rows.</summary>
    public required string PurgeRetryAttempts { get; init; }
}
