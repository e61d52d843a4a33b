using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.Sqlite.Internal;
using InvoiceOcr.Sdk.Sqlite.Store;

namespace InvoiceOcr.Sdk;

/// <summary>
/// The SQLite <see cref="IInvoiceJobStore"/>: batch jobs in the same database file as the rest of the store (migration 4, `0004_Jobs`), shared
/// by every worker process on the machine. Registered by <c>AddSqliteStore</c>; every write is a <c>BEGIN IMMEDIATE</c>
/// transaction, so two workers never lease the same item.
/// </summary>
public sealed class SqliteInvoiceJobStore : RelationalInvoiceJobStore
{
    /// <summary>Creates the job store over a database the <see cref="SqliteInvoiceOcrStore"/> has initialized.</summary>
    /// <param name="options">The store's options (the database path).</param>
    public SqliteInvoiceJobStore(SqliteStoreOptions options)
        : this(new SqliteDatabase(options ?? throw new ArgumentNullException(nameof(options))))
    {
    }

    internal SqliteInvoiceJobStore(SqliteDatabase database)
        : base(SqliteDialect.Instance, SqliteJobQueries.Statements, new SqliteConnectionFactory(database), "SQLite")
    {
    }
}
