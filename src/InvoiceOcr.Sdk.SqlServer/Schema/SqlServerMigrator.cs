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
    : RelationalStoreMigrator("SQL Server", "InvoiceOcr.Sdk.SqlServer", SqlServerMigrations.All, SqlServerMigrations.Statements, SqlServerDialect.Instance, database, logger)
{
    /// <inheritdoc />
    protected override string BehindFix => $"Set SqlServerStoreOptions.AutoMigrate = true, or have a DBA run SqlServerStoreSchema.GetInstallScript(\"{database.Schema}\"), then restart.";

    /// <inheritdoc />
    protected override IEnumerable<string> SplitScript(string script) => SqlServerMigrations.SplitBatches(script);

    /// <inheritdoc />
    protected override async Task AcquireLockAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken)
    {
        var timeoutMs = (int)Math.Min(int.MaxValue, options.MigrationLockTimeout.TotalMilliseconds);
        using var command = new SqlCommand(SqlServerMigrations.AcquireLockSql, (SqlConnection)connection, (SqlTransaction)transaction)
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
}
