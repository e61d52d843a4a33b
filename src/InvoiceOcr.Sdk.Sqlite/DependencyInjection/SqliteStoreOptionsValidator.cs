using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk.Sqlite.DependencyInjection;

/// <summary>Validates <see cref="SqliteStoreOptions"/> at start-up: the path, the busy time-out and the ledger durability, then the shared options.</summary>
internal sealed class SqliteStoreOptionsValidator : RelationalStoreOptionsValidator<SqliteStoreOptions>
{
    /// <inheritdoc />
    protected override IEnumerable<string> GetProviderFailures(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.DatabasePath))
        {
            yield return "SqliteStoreOptions.DatabasePath is required: pass the database file path to AddSqliteStore.";
        }
        else if (options.DatabasePath.Contains(';', StringComparison.Ordinal) || options.DatabasePath.Contains('\0', StringComparison.Ordinal))
        {
            yield return "SqliteStoreOptions.DatabasePath must be a file path, not a connection string.";
        }

        if (options.BusyTimeout <= TimeSpan.Zero)
        {
            yield return "SqliteStoreOptions.BusyTimeout must be positive.";
        }

        if (!Enum.IsDefined(options.LedgerDurability))
        {
            yield return "SqliteStoreOptions.LedgerDurability must be SurvivesPowerLoss or SurvivesProcessCrash.";
        }
    }
}
