using System.Globalization;
using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.Sqlite.Internal;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Sqlite.Schema;

/// <summary>
/// Brings the database to the schema this package needs: in one <c>BEGIN IMMEDIATE</c> transaction (so concurrent
/// processes serialize on SQLite's write lock), applies each pending embedded migration and records it in
/// <c>SchemaVersion</c>. Refuses a database whose schema is newer than the package.
/// </summary>
internal sealed partial class SqliteMigrator(SqliteDatabase database, TimeProvider timeProvider, ILogger<SqliteMigrator> logger) : IRelationalStoreMigrator
{
    /// <inheritdoc />
    public string StoreName => "SQLite";

    /// <inheritdoc />
    public int LatestVersion => SqliteMigrations.LatestVersion;

    /// <summary>Applies the pending migrations.</summary>
    /// <returns>The versions applied by this call.</returns>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken)
    {
        var applied = new List<int>();
        var connection = await database.OpenOrCreateAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await ExecuteAsync(connection, null, "PRAGMA journal_mode = WAL;", cancellationToken).ConfigureAwait(false);
            var transaction = connection.BeginTransaction(deferred: false);
            await using (transaction.ConfigureAwait(false))
            {
                await ExecuteAsync(connection, transaction, SqliteMigrations.CreateVersionTable, cancellationToken).ConfigureAwait(false);
                var current = await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                ThrowIfNewer(current);
                foreach (var migration in SqliteMigrations.All.Where(m => m.Version > current))
                {
                    await ExecuteAsync(connection, transaction, migration.Sql, cancellationToken).ConfigureAwait(false);
                    using var record = connection.CreateCommand();
                    record.Transaction = transaction;
                    record.CommandText = "INSERT INTO SchemaVersion (Version, Description, AppliedAtUtc) VALUES ($version, $name, $at);";
                    record.Parameters.AddWithValue("$version", migration.Version);
                    record.Parameters.AddWithValue("$name", migration.Name);
                    record.Parameters.AddWithValue("$at", SqliteDatabase.Time(timeProvider.GetUtcNow()));
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    applied.Add(migration.Version);
                    Log.Applied(logger, migration.Name, database.Path);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return applied;
    }

    /// <summary>Reads the schema version (0 when the database is empty or missing).</summary>
    public async Task<int> GetVersionAsync(CancellationToken cancellationToken)
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

    /// <summary>Throws unless the schema is exactly current: names the fix when behind, refuses when ahead.</summary>
    public async Task EnsureCurrentAsync(CancellationToken cancellationToken)
    {
        var current = await GetVersionAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfNewer(current);
        if (current < SqliteMigrations.LatestVersion)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.StoreUnavailable,
                string.Create(CultureInfo.InvariantCulture, $"The InvoiceOcr SQLite schema at '{database.Path}' is at version {current} but this package needs version {SqliteMigrations.LatestVersion}. Set SqliteStoreOptions.AutoMigrate = true, or apply SqliteStoreSchema.GetInstallScript() to the database, then restart."));
        }
    }

    private void ThrowIfNewer(int current)
    {
        if (current > SqliteMigrations.LatestVersion)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.StoreUnavailable,
                string.Create(CultureInfo.InvariantCulture, $"The InvoiceOcr SQLite schema at '{database.Path}' is at version {current}, newer than this package's version {SqliteMigrations.LatestVersion}. Upgrade the InvoiceOcr.Sdk.Sqlite package; it will not run against a newer schema."));
        }
    }

    private static async Task<int> ReadVersionAsync(SqliteConnection connection, SqliteTransaction? transaction, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "SELECT COALESCE(MAX(Version), 0) FROM SchemaVersion;";
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private static async Task ExecuteAsync(SqliteConnection connection, SqliteTransaction? transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Applied migration {Migration} to the SQLite store at {Path}.")]
        public static partial void Applied(ILogger logger, string migration, string path);
    }
}
