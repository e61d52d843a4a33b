using InvoiceOcr.Sdk.Relational;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Sqlite.DependencyInjection;

/// <summary>Validates <see cref="SqliteStoreOptions"/> at start-up: the path, the timeouts and the master keys.</summary>
internal sealed class SqliteStoreOptionsValidator : IValidateOptions<SqliteStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.DatabasePath))
        {
            failures.Add("SqliteStoreOptions.DatabasePath is required: pass the database file path to AddSqliteStore.");
        }
        else if (options.DatabasePath.Contains(';', StringComparison.Ordinal) || options.DatabasePath.Contains('\0', StringComparison.Ordinal))
        {
            failures.Add("SqliteStoreOptions.DatabasePath must be a file path, not a connection string.");
        }

        if (options.BusyTimeout <= TimeSpan.Zero)
        {
            failures.Add("SqliteStoreOptions.BusyTimeout must be positive.");
        }

        if (!Enum.IsDefined(options.LedgerDurability))
        {
            failures.Add("SqliteStoreOptions.LedgerDurability must be SurvivesPowerLoss or SurvivesProcessCrash.");
        }

        failures.AddRange(RelationalStoreOptionsValidation.Validate(options, "SqliteStoreOptions"));
        return SecretProtectionOptionsValidation.ToResult(failures);
    }
}
