using System.Data;
using System.Data.Common;
using System.Diagnostics;
using InvoiceOcr.Sdk.PostgreSql.Internal;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;

namespace InvoiceOcr.Sdk.PostgreSql.Schema;

/// <summary>
/// The shared migration procedure (<see cref="RelationalStoreMigrator"/>) in one PostgreSQL transaction (its DDL is
/// transactional, so a failed migration leaves nothing behind) under a transaction-level advisory lock. The lock is
/// tried, not waited on blindly: when another instance holds it past <see cref="RelationalServerStoreOptions.MigrationLockTimeout"/>,
/// start-up fails with a typed error.
/// </summary>
internal sealed class PostgreSqlMigrator(PostgreSqlDatabase database, PostgreSqlStoreOptions options, ILogger<PostgreSqlMigrator> logger)
    : RelationalStoreMigrator("PostgreSQL", "InvoiceOcr.Sdk.PostgreSql", [.. PostgreSqlMigrations.All.Select(m => (m.Version, m.Name, m.Sql))], logger)
{
    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc />
    protected override string DisplayName => database.DisplayName;

    /// <inheritdoc />
    protected override string BehindFix => "Set PostgreSqlStoreOptions.AutoMigrate = true, or run PostgreSqlStoreSchema.GetInstallScript(schemaName) with psql, then restart.";

    /// <summary>Reads the schema version (0 when nothing was applied).</summary>
    public override async Task<int> GetVersionAsync(CancellationToken cancellationToken)
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

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenForMigrationAsync(CancellationToken cancellationToken) =>
        await database.OpenAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    protected override async Task<DbTransaction> BeginMigrationAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var npgsql = (NpgsqlConnection)connection;
        var transaction = await npgsql.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        try
        {
            await AcquireLockAsync(npgsql, transaction, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(npgsql, transaction, database.Sql(PostgreSqlMigrations.CreateVersionTableSql), cancellationToken).ConfigureAwait(false);
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
        using var command = new NpgsqlCommand(database.Sql(PostgreSqlMigrations.SelectVersionSql), (NpgsqlConnection)connection, (NpgsqlTransaction?)transaction) { CommandTimeout = database.CommandTimeoutSeconds };
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <inheritdoc />
    protected override async Task ApplyAsync(DbConnection connection, DbTransaction transaction, int version, string name, string sql, CancellationToken cancellationToken)
    {
        var npgsql = (NpgsqlConnection)connection;
        await ExecuteAsync(npgsql, (NpgsqlTransaction)transaction, PostgreSqlMigrations.ForSchema(sql, database.Schema), cancellationToken).ConfigureAwait(false);
        using var record = new NpgsqlCommand(database.Sql(PostgreSqlMigrations.InsertVersionSql), npgsql, (NpgsqlTransaction)transaction) { CommandTimeout = database.CommandTimeoutSeconds };
        record.Parameters.Add(new NpgsqlParameter<int>("version", NpgsqlDbType.Integer) { TypedValue = version });
        record.Parameters.Add(new NpgsqlParameter<string>("name", NpgsqlDbType.Text) { TypedValue = name });
        await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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
}
