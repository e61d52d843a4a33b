using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk;

/// <summary>
/// Options of the SQL Server store (<c>builder.AddSqlServerStore(connectionString)</c>): the connection string, the
/// schema, the time-outs (the migration lock is <c>sp_getapplock</c>) and the shared options.
/// </summary>
public sealed class SqlServerStoreOptions : RelationalServerStoreOptions
{
    /// <summary>The pattern a schema name must match: a plain identifier, so it can never inject SQL.</summary>
    public const string SchemaNamePattern = "^[A-Za-z_][A-Za-z0-9_]{0,127}$";

    /// <summary>Initializes the options with their defaults.</summary>
    public SqlServerStoreOptions()
        : base(128)
    {
    }
}
