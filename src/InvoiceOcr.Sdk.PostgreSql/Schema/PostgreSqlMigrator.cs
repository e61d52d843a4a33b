using System.Data;
using System.Diagnostics;
using InvoiceOcr.Sdk.PostgreSql.Internal;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace InvoiceOcr.Sdk.PostgreSql.Schema;

/// <summary>
/// Brings the database to the schema this package needs, in one transaction (PostgreSQL's DDL is transactional) under
/// a transaction-level advisory lock, so instances starting together migrate once and a failed migration leaves nothing
/// behind. The lock is tried, not waited on blindly: when another instance holds it past
/// <see cref="PostgreSqlStoreOptions.MigrationLockTimeout"/>, start-up fails with a typed error. Refuses a newer schema.
/// </summary>
internal sealed partial class PostgreSqlMigrator(PostgreSqlDatabase database, PostgreSqlStoreOptions options, ILogger<PostgreSqlMigrator> logger) : IRelationalStoreMigrator
{
    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc />
    public string StoreName => "PostgreSQL";

    /// <inheritdoc />
    public int LatestVersion => PostgreSqlMigrations.LatestVersion;

    /// <summary>Applies the pending migrations.</summary>
    /// <returns>The versions applied by this call.</returns>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken)
    {
        var applied = new List<int>();
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await AcquireLockAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, database.Sql(PostgreSqlMigrations.CreateVersionTableSql), cancellationToken).ConfigureAwait(false);
                var current = await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                ThrowIfNewer(current);
                foreach (var migration in PostgreSqlMigrations.All.Where(m => m.Version > current))
                {
                    await ExecuteAsync(connection, transaction, PostgreSqlMigrations.ForSchema(migration.Sql, database.Schema), cancellationToken).ConfigureAwait(false);
                    using var record = new NpgsqlCommand(database.Sql(PostgreSqlMigrations.InsertVersionSql), connection, transaction) { CommandTimeout = database.CommandTimeoutSeconds };
                    record.Parameters.Add(new NpgsqlParameter<int>("version", NpgsqlDbType.Integer) { TypedValue = migration.Version });
                    record.Parameters.Add(new NpgsqlParameter<string>("name", NpgsqlDbType.Text) { TypedValue = migration.Name });
                    await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    applied.Add(migration.Version);
                    Log.Applied(logger, migration.Name, database.DisplayName);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return applied;
    }

    /// <summary>Reads the schema version (0 when nothing was applied).</summary>
    public async Task<int> GetVersionAsync(CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var exists = new NpgsqlCommand(PostgreSqlMigrations.VersionTableExistsSql, connection) { CommandTimeout = database.CommandTimeoutSeconds };
            exists.Parameters.Add(new NpgsqlParameter<string>("versionTable", NpgsqlDbType.Text) { TypedValue = PostgreSqlMigrations.VersionTable(database.Schema) });
            if (await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
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
        if (current < PostgreSqlMigrations.LatestVersion)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.StoreUnavailable,
                $"The PostgreSQL store '{database.DisplayName}' has schema version {current} but this version of InvoiceOcr.Sdk.PostgreSql needs {PostgreSqlMigrations.LatestVersion}. " +
                "Set PostgreSqlStoreOptions.AutoMigrate = true, or run PostgreSqlStoreSchema.GetInstallScript(schemaName) with psql.");
        }
    }

    private void ThrowIfNewer(int current)
    {
        if (current > PostgreSqlMigrations.LatestVersion)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.StoreUnavailable,
                $"The PostgreSQL store '{database.DisplayName}' has schema version {current}, newer than the {PostgreSqlMigrations.LatestVersion} this version of InvoiceOcr.Sdk.PostgreSql knows: upgrade the package.");
        }
    }

    private async Task AcquireLockAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var tryLock = new NpgsqlCommand(PostgreSqlMigrations.TryLockSql, connection, transaction) { CommandTimeout = database.CommandTimeoutSeconds };
        tryLock.Parameters.Add(new NpgsqlParameter<long>("lockKey", NpgsqlDbType.Bigint) { TypedValue = PostgreSqlMigrations.LockKey(database.Schema) });
        while (await tryLock.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not true)
        {
            if (Stopwatch.GetElapsedTime(started) >= options.MigrationLockTimeout)
            {
                throw new InvoiceOcrException(
                    InvoiceOcrErrorKind.StoreUnavailable,
                    $"Could not take the migration lock of the PostgreSQL store '{database.DisplayName}' within {options.MigrationLockTimeout}: another instance is migrating it.");
            }

            await Task.Delay(LockPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = database.CommandTimeoutSeconds };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> ReadVersionAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(database.Sql(PostgreSqlMigrations.SelectVersionSql), connection, transaction) { CommandTimeout = database.CommandTimeoutSeconds };
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static partial class Log
    {
        [LoggerMessage(3201, LogLevel.Information, "Applied migration {Migration} to {Store}.")]
        public static partial void Applied(ILogger logger, string migration, string store);
    }
}
