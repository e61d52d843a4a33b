using System.Text.RegularExpressions;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.SqlServer.DependencyInjection;

/// <summary>Validates <see cref="SqlServerStoreOptions"/> at start-up: the connection string, the schema name, the timeouts and the master keys.</summary>
internal sealed partial class SqlServerStoreOptionsValidator : IValidateOptions<SqlServerStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, SqlServerStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add("SqlServerStoreOptions.ConnectionString is required: pass it to AddSqlServerStore.");
        }
        else
        {
            try
            {
                _ = new SqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException ex)
            {
                failures.Add("SqlServerStoreOptions.ConnectionString is not a valid SQL Server connection string: " + ex.Message);
            }
        }

        if (options.SchemaName is null || !SchemaName().IsMatch(options.SchemaName))
        {
            failures.Add($"SqlServerStoreOptions.SchemaName '{options.SchemaName}' must be a plain identifier: a letter or '_' followed by up to 127 letters, digits or '_'.");
        }

        if (options.CommandTimeout <= TimeSpan.Zero)
        {
            failures.Add("SqlServerStoreOptions.CommandTimeout must be positive.");
        }

        if (options.MigrationLockTimeout < TimeSpan.Zero)
        {
            failures.Add("SqlServerStoreOptions.MigrationLockTimeout must not be negative.");
        }

        failures.AddRange(RelationalStoreOptionsValidation.Validate(options, "SqlServerStoreOptions"));
        return SecretProtectionOptionsValidation.ToResult(failures);
    }

    [GeneratedRegex(SqlServerStoreOptions.SchemaNamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
