using InvoiceOcr.Sdk.PostgreSql.Internal;
using InvoiceOcr.Sdk.PostgreSql.Schema;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InvoiceOcr.Sdk;

/// <summary>
/// The PostgreSQL implementation of every store abstraction: the shared <see cref="RelationalInvoiceOcrStore"/> over
/// Npgsql. Each operation is one transaction of conditional statements taking row locks (<c>FOR UPDATE</c>,
/// <c>ON CONFLICT DO UPDATE</c>) in one order, so many application instances can share one server; expired reservations
/// are taken as a queue (<c>SKIP LOCKED</c>); "now" is the server's clock (<c>clock_timestamp()</c>) so instances with
/// skewed clocks agree, unless a <see cref="TimeProvider"/> is given. Secrets are sealed with AES-256-GCM.
/// </summary>
/// <remarks>The store owns its Npgsql data source (the connection pool), which its job store shares: dispose it, or let the container do so.</remarks>
public sealed class PostgreSqlInvoiceOcrStore : RelationalInvoiceOcrStore, IAsyncDisposable
{
    /// <summary>Creates a store. Call <see cref="RelationalInvoiceOcrStore.InitializeAsync"/> (or let the host's start-up do it) before use.</summary>
    /// <param name="options">The options; the connection string and the master keys are required.</param>
    /// <param name="clock">The clock to use instead of the server's; <see langword="null"/> (the default) uses <c>clock_timestamp()</c>.</param>
    public PostgreSqlInvoiceOcrStore(PostgreSqlStoreOptions options, TimeProvider? clock = null)
        : this(new PostgreSqlDatabase(options ?? throw new ArgumentNullException(nameof(options))), options, clock, NullLoggerFactory.Instance)
    {
    }

    internal PostgreSqlInvoiceOcrStore(PostgreSqlDatabase database, PostgreSqlStoreOptions options, TimeProvider? clock, ILoggerFactory loggers)
        : base(PostgreSqlDialect.Instance, PostgreSqlStatements.Instance, database, new PostgreSqlMigrator(database, options, loggers.CreateLogger<PostgreSqlMigrator>()), options.SecretProtection, clock)
    {
    }

    internal PostgreSqlDatabase Database => (PostgreSqlDatabase)Connections;

    /// <summary>Closes the store's connection pool (the container does so for a registered store).</summary>
    /// <returns>A task that completes when the pool is closed.</returns>
    public ValueTask DisposeAsync() => Database.DisposeAsync();

    /// <inheritdoc />
    protected override RelationalRetentionStatements RetentionStatements => PostgreSqlRetentionStatements.Instance;
}
