using System.Data.Common;
using System.Globalization;
using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.Sqlite.Internal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Sqlite.Schema;

/// <summary>
/// The shared migration procedure (<see cref="RelationalStoreMigrator"/>) in one <c>BEGIN IMMEDIATE</c> transaction, so
/// concurrent processes serialize on SQLite's write lock; the file is created (in WAL mode) when missing.
/// </summary>
internal sealed class SqliteMigrator(SqliteDatabase database, TimeProvider timeProvider, ILogger<SqliteMigrator> logger)
    : RelationalStoreMigrator("SQLite", "InvoiceOcr.Sdk.Sqlite", [.. SqliteMigrations.All.Select(m => (m.Version, m.Name, m.Sql))], logger)
{
    /// <inheritdoc />
    protected override string DisplayName => database.Path;

    /// <inheritdoc />
    protected override string BehindFix => "Set SqliteStoreOptions.AutoMigrate = true, or apply SqliteStoreSchema.GetInstallScript() to the database, then restart.";

    /// <summary>Reads the schema version (0 when the database is empty or missing).</summary>
    public override async Task<int> GetVersionAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(database.Path))
        {
            return 0;
        }

        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var exists = connection.CreateCommand();
            exists.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'SchemaVersion';";
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
            {
                return 0;
            }

            return await ReadVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenForMigrationAsync(CancellationToken cancellationToken) =>
        await database.OpenOrCreateAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    protected override async Task<DbTransaction> BeginMigrationAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var sqlite = (SqliteConnection)connection;
        await ExecuteAsync(sqlite, null, "PRAGMA journal_mode = WAL;", cancellationToken).ConfigureAwait(false);
        var transaction = sqlite.BeginTransaction(deferred: false);
        try
        {
            await ExecuteAsync(sqlite, transaction, SqliteMigrations.CreateVersionTable, cancellationToken).ConfigureAwait(false);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    protected override async Task<int> ReadVersionAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COALESCE(MAX(Version), 0) FROM SchemaVersion;";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    protected override async Task ApplyAsync(DbConnection connection, DbTransaction transaction, int version, string name, string sql, CancellationToken cancellationToken)
    {
        var sqlite = (SqliteConnection)connection;
        await ExecuteAsync(sqlite, (SqliteTransaction)transaction, sql, cancellationToken).ConfigureAwait(false);
        using var record = sqlite.CreateCommand();
        record.Transaction = (SqliteTransaction)transaction;
        record.CommandText = "INSERT INTO SchemaVersion (Version, Description, AppliedAtUtc) VALUES ($version, $name, $at);";
        record.Parameters.AddWithValue("$version", version);
        record.Parameters.AddWithValue("$name", name);
        record.Parameters.AddWithValue("$at", SqliteDatabase.Time(timeProvider.GetUtcNow()));
        await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
