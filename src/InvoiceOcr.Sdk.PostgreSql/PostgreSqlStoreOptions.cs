using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk;

/// <summary>
/// Options of the PostgreSQL store (<c>builder.AddPostgreSqlStore(connectionString)</c>): the Npgsql connection string
/// (<c>Host=db;Database=invoiceocr;Username=app;Password=…</c>), the schema (created when missing; the name is quoted, so
/// its case is kept), the time-outs (the migration lock is a transaction-level advisory lock) and the shared options.
/// </summary>
public sealed class PostgreSqlStoreOptions : RelationalServerStoreOptions
{
    /// <summary>The pattern a schema name must match: a plain identifier of at most 63 characters (PostgreSQL's limit), so it can never inject SQL.</summary>
    public const string SchemaNamePattern = "^[A-Za-z_][A-Za-z0-9_]{0,62}$";

    /// <summary>Initializes the options with their defaults.</summary>
    public PostgreSqlStoreOptions()
        : base(63)
    {
    }

    /// <inheritdoc />
    /// <remarks><c>postgresql-&lt;SchemaName&gt;</c>, so a SQL Server schema of the same name never shares it.</remarks>
    protected override string OutboxFolderName => "postgresql-" + SchemaName;
}
