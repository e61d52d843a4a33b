using System.Data.Common;
using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.Sqlite.Internal;
using InvoiceOcr.Sdk.Sqlite.Schema;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InvoiceOcr.Sdk;

/// <summary>
/// The SQLite implementation of every store abstraction: the shared <see cref="RelationalInvoiceOcrStore"/> over one
/// database file. Each operation is one <c>BEGIN IMMEDIATE</c> transaction (SQLite's single write lock, shared by every
/// process on the file) made of conditional statements, so quota reservations are exact across threads and processes.
/// Secrets are sealed with AES-256-GCM.
/// </summary>
/// <remarks>Thread-safe; register one instance per database file. Times come from the injected <see cref="TimeProvider"/> (the process's clock, which every process on one machine shares).</remarks>
public sealed class SqliteInvoiceOcrStore : RelationalInvoiceOcrStore
{
    /// <summary>Creates a store over a database file. Call <see cref="RelationalInvoiceOcrStore.InitializeAsync"/> (or let the host's start-up do it) before use.</summary>
    /// <param name="options">The options; <see cref="SqliteStoreOptions.DatabasePath"/> and the master keys are required.</param>
    /// <param name="timeProvider">The store's clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public SqliteInvoiceOcrStore(SqliteStoreOptions options, TimeProvider? timeProvider = null)
        : this(new SqliteDatabase(options ?? throw new ArgumentNullException(nameof(options))), options, timeProvider ?? TimeProvider.System, NullLoggerFactory.Instance)
    {
    }

    internal SqliteInvoiceOcrStore(SqliteDatabase database, SqliteStoreOptions options, TimeProvider timeProvider, ILoggerFactory loggers)
        : base(SqliteDialect.Instance, SqliteStatements.Instance, new SqliteConnectionFactory(database), new SqliteMigrator(database, loggers.CreateLogger<SqliteMigrator>()), options.SecretProtection, timeProvider)
    {
        Database = database;
    }

    internal SqliteDatabase Database { get; }

    /// <summary>Gets the database file's full path.</summary>
    public string DatabasePath => Database.Path;

    /// <summary>Gets or sets a callback run inside each write transaction just before it commits (tests inspect the connection's settings there).</summary>
    internal Action<SqliteConnection, SqliteTransaction>? Committing { get; set; }

    /// <inheritdoc />
    /// <remarks>Counts the commit for the background checkpoint (<see cref="SqliteDatabase.Committed"/>).</remarks>
    protected override void OnCommitting(DbConnection connection, DbTransaction transaction)
    {
        Committing?.Invoke((SqliteConnection)connection, (SqliteTransaction)transaction);
        Database.Committed();
    }

    /// <inheritdoc />
    /// <remarks>One statement prepared per batch with values bound by position: a 256-row group commit binds 7,000 values.</remarks>
    protected override Task<IReadOnlyList<UsageRecord>> InsertUsageRowsAsync(
        DbConnection connection,
        DbTransaction transaction,
        IReadOnlyList<UsageRecord> records,
        DateTimeOffset now,
        CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<UsageRecord>>(SqliteUsageRows.Insert((SqliteConnection)connection, SqliteStatements.InsertUsage, records, SqliteDatabase.Time(now)));

    /// <inheritdoc />
    protected override RelationalRetentionStatements RetentionStatements => SqliteRetentionStatements.Instance;
}
