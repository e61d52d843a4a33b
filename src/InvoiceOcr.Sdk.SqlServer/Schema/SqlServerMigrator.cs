using System.Data;
using System.Data.Common;
using System.Globalization;
using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.SqlServer.Internal;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.SqlServer.Schema;

/// <summary>
/// The shared migration procedure (<see cref="RelationalStoreMigrator"/>) in one SQL Server transaction under an
/// exclusive <c>sp_getapplock</c> (its return code checked), each script run batch by batch (<c>GO</c>).
/// </summary>
internal sealed class SqlServerMigrator(SqlServerDatabase database, SqlServerStoreOptions options, ILogger<SqlServerMigrator> logger)
    : RelationalStoreMigrator("SQL Server", "InvoiceOcr.Sdk.SqlServer", [.. SqlServerMigrations.All.Select(m => (m.Version, m.Name, m.Sql))], logger)
{
    /// <inheritdoc />
    protected override string DisplayName => database.DisplayName;

    /// <inheritdoc />
    protected override string BehindFix => $"Set SqlServerStoreOptions.AutoMigrate = true, or have a DBA run SqlServerStoreSchema.GetInstallScript(\"{database.Schema}\"), then restart.";

    /// <summary>Reads the schema version (0 when nothing was applied).</summary>
    public override async Task<int> GetVersionAsync(CancellationToken cancellationToken)
    {
        var connection = await database.OpenAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await ReadAsync(connection, null, SqlServerMigrations.SelectVersionIfExistsSql, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    protected override async Task<DbConnection> OpenForMigrationAsync(CancellationToken cancellationToken) =>
        await database.OpenAsync(cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    protected override async Task<DbTransaction> BeginMigrationAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var sql = (SqlConnection)connection;
        var transaction = (SqlTransaction)await sql.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
        try
        {
            await AcquireLockAsync(sql, transaction, cancellationToken).ConfigureAwait(false);
            await ExecuteAsync(sql, transaction, database.Sql(SqlServerMigrations.CreateVersionTableSql), cancellationToken).ConfigureAwait(false);
            return transaction;
        }
        catch
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    protected override Task<int> ReadVersionAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken) =>
        ReadAsync((SqlConnection)connection, (SqlTransaction?)transaction, SqlServerMigrations.SelectVersionSql, cancellationToken);

    /// <inheritdoc />
    protected override async Task ApplyAsync(DbConnection connection, DbTransaction transaction, int version, string name, string sql, CancellationToken cancellationToken)
    {
        var sqlConnection = (SqlConnection)connection;
        var sqlTransaction = (SqlTransaction)transaction;
        foreach (var batch in SqlServerMigrations.SplitBatches(SqlServerMigrations.ForSchema(sql, database.Schema)))
        {
            await ExecuteAsync(sqlConnection, sqlTransaction, batch, cancellationToken).ConfigureAwait(false);
        }

        using var record = new SqlCommand(database.Sql(SqlServerMigrations.InsertVersionSql), sqlConnection, sqlTransaction) { CommandTimeout = database.CommandTimeoutSeconds };
        record.Parameters.Add("@version", SqlDbType.Int).Value = version;
        record.Parameters.Add("@name", SqlDbType.NVarChar, 200).Value = name;
        await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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

    private async Task<int> ReadAsync(SqlConnection connection, SqlTransaction? transaction, string template, CancellationToken cancellationToken)
    {
        using var command = new SqlCommand(database.Sql(template), connection, transaction) { CommandTimeout = database.CommandTimeoutSeconds };
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private async Task ExecuteAsync(SqlConnection connection, SqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = new SqlCommand(sql, connection, transaction) { CommandTimeout = database.CommandTimeoutSeconds };
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
