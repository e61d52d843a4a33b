using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk;

/// <summary>
/// Options of the SQL Server store (<c>builder.AddSqlServerStore(connectionString)</c>): the connection string, the
/// schema, the time-outs (the migration lock is <c>sp_getapplock</c>) and the shared options.
/// </summary>
public sealed class SqlServerStoreOptions : RelationalServerStoreOptions
{
    /// <summary>The longest schema name the server allows; a schema name is a plain identifier (a letter or <c>_</c>, then letters, digits or <c>_</c>), so it can never inject SQL.</summary>
    internal const int MaxSchemaNameLength = 128;

    /// <summary>Initializes the options with their defaults.</summary>
    public SqlServerStoreOptions()
        : base(MaxSchemaNameLength)
    {
    }
}
