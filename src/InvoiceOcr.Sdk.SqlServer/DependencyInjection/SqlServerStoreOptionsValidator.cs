using InvoiceOcr.Sdk.Relational;
using Microsoft.Data.SqlClient;

namespace InvoiceOcr.Sdk.SqlServer.DependencyInjection;

/// <summary>Validates <see cref="SqlServerStoreOptions"/> at start-up: the shared server options, with a connection string SqlClient accepts.</summary>
internal sealed class SqlServerStoreOptionsValidator() : RelationalServerStoreOptionsValidator<SqlServerStoreOptions>("AddSqlServerStore", "SQL Server")
{
    /// <inheritdoc />
    protected override string? CheckConnectionString(string connectionString)
    {
        // SqlClient's parse throws ArgumentException on an unknown keyword or a bad value: that is the whole check.
        _ = new SqlConnectionStringBuilder(connectionString);
        return null;
    }
}
