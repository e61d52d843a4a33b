using System.Data;
using System.Globalization;
using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.SqlServer.Internal;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.SqlServer.Schema;

/// <summary>
/// Brings the database to the schema this package needs, in one transaction under an exclusive <c>sp_getapplock</c>
/// (its return code checked), so instances starting together migrate once. Refuses a newer schema.
/// </summary>
internal sealed partial class SqlServerMigrator(SqlServerDatabase database, SqlServerStoreOptions options, ILogger<SqlServerMigrator> logger) : IRelationalStoreMigrator
{
    /// <inheritdoc />
    public string StoreName => "SQL Server";

    /// <inheritdoc />
    public int LatestVersion => SqlServerMigrations.LatestVersion;

    /// <summary>Applies the pending migrations.</summary>
    /// <returns>The versions applied by this call.</returns>
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken)
    {
        var applied = new List<int>();
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = (SqlTransaction)await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await AcquireLockAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, database.Sql(SqlServerMigrations.CreateVersionTableSql), cancellationToken).ConfigureAwait(false);
                var current = await ReadVersionAsync(connection, transaction, SqlServerMigrations.SelectVersionSql, cancellationToken).ConfigureAwait(false);
                ThrowIfNewer(current);
                foreach (var migration in SqlServerMigrations.All.Where(m => m.Version > current))
                {
                    foreach (var batch in SqlServerMigrations.SplitBatches(SqlServerMigrations.ForSchema(migration.Sql, database.Schema)))
                    {
                        await ExecuteAsync(connection, transaction, batch, cancellationToken).ConfigureAwait(false);
                    }

                    using var record = new SqlCommand(database.Sql(SqlServerMigrations.InsertVersionSql), connection, transaction) { CommandTimeout = database.CommandTimeoutSeconds };
                    record.Parameters.Add("@version", SqlDbType.Int).Value = migration.Version;
                    record.Parameters.Add("@name", SqlDbType.NVarChar, 200).Value = migration.Name;
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
            return await ReadVersionAsync(connection, null, SqlServerMigrations.SelectVersionIfExistsSql, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Throws unless the schema is exactly current: names the fix when behind, refuses when ahead.</summary>
    public async Task EnsureCurrentAsync(CancellationToken cancellationToken)
    {
        var current = await GetVersionAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfNewer(current);
        if (current < SqlServerMigrations.LatestVersion)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.StoreUnavailable,
                string.Create(CultureInfo.InvariantCulture, $"The InvoiceOcr SQL Server schema '{database.DisplayName}' is at version {current} but this package needs version {SqlServerMigrations.LatestVersion}. Set SqlServerStoreOptions.AutoMigrate = true, or have a DBA run SqlServerStoreSchema.GetInstallScript(\"{database.Schema}\"), then restart."));
        }
    }

    private void ThrowIfNewer(int current)
    {
        if (current > SqlServerMigrations.LatestVersion)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.StoreUnavailable,
                string.Create(CultureInfo.InvariantCulture, $"The InvoiceOcr SQL Server schema '{database.DisplayName}' is at version {current}, newer than this package's version {SqlServerMigrations.LatestVersion}. Upgrade the InvoiceOcr.Sdk.SqlServer package; it will not run against a newer schema."));
        }
    }

    private async Task AcquireLockAsync(SqlConnection connection, SqlTransaction transaction, CancellationToken cancellationToken)
    {
        var timeoutMs = (int)Math.Min(int.MaxValue, options.MigrationLockTimeout.TotalMilliseconds);
        using var command = new SqlCommand(SqlServerMigrations.AcquireLockSql, connection, transaction)
        {
            CommandTimeout = Math.Max(database.CommandTimeoutSeconds, (timeoutMs / 1000) + 5),
        };
        command.Parameters.Add("@resource", SqlDbType.NVarChar, 255).Value = SqlServerMigrations.LockResource(database.Schema);
        command.Parameters.Add("@timeoutMs", SqlDbType.Int).Value = timeoutMs;
        var result = Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
        if (result < 0)
        {
            var meaning = result switch
            {
                -1 => "timed out waiting for another instance's migration",
                -2 => "the request was canceled",
                -3 => "chosen as a deadlock victim",
                _ => "a parameter or call error",
            };
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.StoreUnavailable,
                string.Create(CultureInfo.InvariantCulture, $"Could not take the InvoiceOcr migration lock on '{database.DisplayName}': sp_getapplock returned {result} ({meaning}). Retry start-up, or raise SqlServerStoreOptions.MigrationLockTimeout."));
        }
    }

    private async Task<int> ReadVersionAsync(SqlConnection connection, SqlTransaction? transaction, string template, CancellationToken cancellationToken)
    {
        using var command = new SqlCommand(database.Sql(template), connection, transaction) { CommandTimeout = database.CommandTimeoutSeconds };
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private async Task ExecuteAsync(SqlConnection connection, SqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = new SqlCommand(sql, connection, transaction) { CommandTimeout = database.CommandTimeoutSeconds };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Applied migration {Migration} to the SQL Server store {Database}.")]
        public static partial void Applied(ILogger logger, string migration, string database);
    }
}
