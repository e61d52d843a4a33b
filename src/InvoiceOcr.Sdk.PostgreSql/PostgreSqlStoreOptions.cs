using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk;

/// <summary>
/// Options of the PostgreSQL store (<c>builder.AddPostgreSqlStore(connectionString)</c>): the Npgsql connection string
/// (<c>Host=db;Database=invoiceocr;Username=app;Password=…</c>), the schema (created when missing; the name is quoted, so
/// its case is kept), the time-outs (the migration lock is a transaction-level advisory lock) and the shared options.
/// </summary>
public sealed class PostgreSqlStoreOptions : RelationalServerStoreOptions
{
    /// <summary>The longest schema name the server allows; a schema name is a plain identifier (a letter or <c>_</c>, then letters, digits or <c>_</c>), so it can never inject SQL.</summary>
    internal const int MaxSchemaNameLength = 63;

    /// <summary>Initializes the options with their defaults.</summary>
    public PostgreSqlStoreOptions()
        : base(MaxSchemaNameLength)
    {
    }

    /// <inheritdoc />
    /// <remarks><c>postgresql-&lt;SchemaName&gt;</c>, so a SQL Server schema of the same name never shares it.</remarks>
    protected override string OutboxFolderName => "postgresql-" + SchemaName;
}
