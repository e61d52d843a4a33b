using InvoiceOcr.Sdk.Relational;
using Microsoft.Extensions.Options;
using Npgsql;

namespace InvoiceOcr.Sdk.PostgreSql.DependencyInjection;

/// <summary>Validates <see cref="PostgreSqlStoreOptions"/> at start-up: the shared server options, with a connection string Npgsql accepts and that names a host.</summary>
internal sealed class PostgreSqlStoreOptionsValidator : IValidateOptions<PostgreSqlStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgreSqlStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return SecretProtectionOptionsValidation.ToResult(options.Validate("PostgreSqlStoreOptions", "AddPostgreSqlStore", CheckConnectionString));
    }

    private static string? CheckConnectionString(string connectionString)
    {
        try
        {
            return string.IsNullOrWhiteSpace(new NpgsqlConnectionStringBuilder(connectionString).Host) ? "names no Host." : null;
        }
        catch (ArgumentException ex)
        {
            // The message names the bad keyword, never a value, so no password reaches the logs.
            return "is not a valid Npgsql connection string: " + ex.Message;
        }
    }
}
