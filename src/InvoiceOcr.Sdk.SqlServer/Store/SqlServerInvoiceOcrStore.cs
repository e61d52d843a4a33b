using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.SqlServer.Internal;
using InvoiceOcr.Sdk.SqlServer.Schema;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InvoiceOcr.Sdk;

/// <summary>
/// The SQL Server implementation of every store abstraction: the shared <see cref="RelationalInvoiceOcrStore"/> over
/// SQL Server. Each operation is one transaction of conditional statements (<c>UPDLOCK, HOLDLOCK</c> where a row may
/// not exist yet) taken in one lock order; "now" is the database clock (<c>SYSUTCDATETIME()</c>) so instances with
/// skewed clocks agree, unless a <see cref="TimeProvider"/> is given. Secrets are sealed with AES-256-GCM.
/// </summary>
public sealed class SqlServerInvoiceOcrStore : RelationalInvoiceOcrStore
{
    /// <summary>Creates a store. Call <see cref="RelationalInvoiceOcrStore.InitializeAsync"/> (or let the host's start-up do it) before use.</summary>
    /// <param name="options">The options; the connection string and the master keys are required.</param>
    /// <param name="clock">The clock to use instead of the database's; <see langword="null"/> (the default) uses <c>SYSUTCDATETIME()</c>.</param>
    public SqlServerInvoiceOcrStore(SqlServerStoreOptions options, TimeProvider? clock = null)
        : this(new SqlServerDatabase(options ?? throw new ArgumentNullException(nameof(options))), options, clock, NullLoggerFactory.Instance)
    {
    }

    internal SqlServerInvoiceOcrStore(SqlServerDatabase database, SqlServerStoreOptions options, TimeProvider? clock, ILoggerFactory loggers)
        : base(SqlServerDialect.Instance, SqlServerStatements.Instance, database, new SqlServerMigrator(database, options, loggers.CreateLogger<SqlServerMigrator>()), options.SecretProtection, clock)
    {
    }

    internal SqlServerDatabase Database => (SqlServerDatabase)Connections;

    /// <inheritdoc />
    protected override RelationalRetentionStatements RetentionStatements => SqlServerRetentionStatements.Instance;
}
