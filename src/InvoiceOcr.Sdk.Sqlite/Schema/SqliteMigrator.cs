using System.Data.Common;
using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.Sqlite.Internal;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Sqlite.Schema;

/// <summary>
/// The shared migration procedure (<see cref="RelationalStoreMigrator"/>) in one <c>BEGIN IMMEDIATE</c> transaction, so
/// concurrent processes serialize on SQLite's write lock; the file is created (in WAL mode) when missing.
/// </summary>
internal sealed class SqliteMigrator(SqliteDatabase database, ILogger<SqliteMigrator> logger)
    : RelationalStoreMigrator("SQLite", "InvoiceOcr.Sdk.Sqlite", SqliteMigrations.All, SqliteMigrations.Statements, SqliteDialect.Instance, new SqliteConnectionFactory(database, keepConnections: false), logger)
{
    /// <inheritdoc />
    protected override string BehindFix => "Set SqliteStoreOptions.AutoMigrate = true, or apply SqliteStoreSchema.GetInstallScript() to the database, then restart.";

    /// <summary>
    /// Reads the schema version (0 when the database file is missing, without creating it) on a new connection, after checking
    /// the file's header: the answer (the health check's, the start-up's) is what a new process opening the file would get.
    /// </summary>
    public override async Task<int> GetVersionAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(database.Path))
        {
            return 0;
        }

        // The store's kept connections keep the write-ahead log alive and SQLite reads through it, so a file overwritten under
        // them would go unnoticed (and closing them would checkpoint the log back over it): the header says what a new
        // process would find.
        if (!SqliteDatabase.HasDatabaseHeader(database.Path))
        {
            throw new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, $"The SQLite store '{database.Path}' is not a database: its file does not start with SQLite's header.");
        }

        return await base.GetVersionAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <remarks>Creates the file when missing and switches it to WAL before the migration's <c>BEGIN IMMEDIATE</c>.</remarks>
    protected override async Task<DbConnection> OpenForMigrationAsync(CancellationToken cancellationToken)
    {
        var connection = await database.OpenOrCreateAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var wal = connection.CreateCommand();
            wal.CommandText = "PRAGMA journal_mode = WAL;";
            await wal.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }
}
