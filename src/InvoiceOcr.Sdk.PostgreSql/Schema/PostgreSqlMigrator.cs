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
    : RelationalStoreMigrator("PostgreSQL", "InvoiceOcr.Sdk.PostgreSql", PostgreSqlMigrations.All, PostgreSqlMigrations.Statements, PostgreSqlDialect.Instance, database, logger)
{
    private static readonly TimeSpan LockPollInterval = TimeSpan.FromMilliseconds(100);

    /// <inheritdoc />
    protected override string BehindFix => "Set PostgreSqlStoreOptions.AutoMigrate = true, or run PostgreSqlStoreSchema.GetInstallScript(schemaName) with psql, then restart.";

    /// <inheritdoc />
    protected override async Task AcquireLockAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var tryLock = new NpgsqlCommand(PostgreSqlMigrations.TryLockSql, (NpgsqlConnection)connection, (NpgsqlTransaction)transaction) { CommandTimeout = database.CommandTimeoutSeconds };
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
}
