using InvoiceOcr.Sdk.Relational;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.SqlServer.DependencyInjection;

/// <summary>Validates <see cref="SqlServerStoreOptions"/> at start-up: the shared server options, with a connection string SqlClient accepts.</summary>
internal sealed class SqlServerStoreOptionsValidator : IValidateOptions<SqlServerStoreOptions>
{
    public ValidateOptionsResult Validate(string? name, SqlServerStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return SecretProtectionOptionsValidation.ToResult(options.Validate("SqlServerStoreOptions", "AddSqlServerStore", CheckConnectionString));
    }

    private static string? CheckConnectionString(string connectionString)
    {
        try
        {
            _ = new SqlConnectionStringBuilder(connectionString);
            return null;
        }
        catch (ArgumentException ex)
        {
            return "is not a valid SQL Server connection string: " + ex.Message;
        }
    }
}
