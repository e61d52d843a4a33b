using System.Text.RegularExpressions;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Extensions.Options;
using Npgsql;

namespace InvoiceOcr.Sdk.PostgreSql.DependencyInjection;

/// <summary>Validates <see cref="PostgreSqlStoreOptions"/> at start-up: the connection string, the schema name, the timeouts and the shared relational options.</summary>
internal sealed partial class PostgreSqlStoreOptionsValidator : IValidateOptions<PostgreSqlStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgreSqlStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add("PostgreSqlStoreOptions.ConnectionString is required: pass it to AddPostgreSqlStore.");
        }
        else
        {
            try
            {
                var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
                if (string.IsNullOrWhiteSpace(builder.Host))
                {
                    failures.Add("PostgreSqlStoreOptions.ConnectionString names no Host.");
                }
            }
            catch (ArgumentException ex)
            {
                // The message names the bad keyword, never a value, so no password reaches the logs.
                failures.Add("PostgreSqlStoreOptions.ConnectionString is not a valid Npgsql connection string: " + ex.Message);
            }
        }

        if (options.SchemaName is null || !SchemaName().IsMatch(options.SchemaName))
        {
            failures.Add($"PostgreSqlStoreOptions.SchemaName '{options.SchemaName}' must be a plain identifier: a letter or '_' followed by up to 62 letters, digits or '_'.");
        }

        if (options.CommandTimeout <= TimeSpan.Zero)
        {
            failures.Add("PostgreSqlStoreOptions.CommandTimeout must be positive.");
        }

        if (options.MigrationLockTimeout < TimeSpan.Zero)
        {
            failures.Add("PostgreSqlStoreOptions.MigrationLockTimeout must not be negative.");
        }

        failures.AddRange(RelationalStoreOptionsValidation.Validate(options, "PostgreSqlStoreOptions"));
        return SecretProtectionOptionsValidation.ToResult(failures);
    }

    [GeneratedRegex(PostgreSqlStoreOptions.SchemaNamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
