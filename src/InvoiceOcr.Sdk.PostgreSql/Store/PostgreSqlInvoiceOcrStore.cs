using InvoiceOcr.Sdk.PostgreSql.Internal;
using InvoiceOcr.Sdk.PostgreSql.Schema;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Extensions.Logging.Abstractions;

namespace InvoiceOcr.Sdk;

/// <summary>
/// The PostgreSQL implementation of every store abstraction: the shared <see cref="RelationalInvoiceOcrStore"/> over
/// Npgsql. Each operation is one transaction of conditional statements taking row locks (<c>FOR UPDATE</c>,
/// <c>ON CONFLICT DO UPDATE</c>) in one order, so many application instances can share one server; expired reservations
/// are taken as a queue (<c>SKIP LOCKED</c>); "now" is the server's clock (<c>clock_timestamp()</c>) so instances with
/// skewed clocks agree, unless a <see cref="TimeProvider"/> is given. Secrets are sealed with AES-256-GCM.
/// </summary>
/// <remarks>The store owns its Npgsql data source (the connection pool): dispose it, or let the container do so.</remarks>
public sealed class PostgreSqlInvoiceOcrStore : RelationalInvoiceOcrStore, IAsyncDisposable
{
    private readonly PostgreSqlDatabase? _ownedDatabase;

    /// <summary>Creates a store. Call <see cref="RelationalInvoiceOcrStore.InitializeAsync"/> (or let the host's start-up do it) before use.</summary>
    /// <param name="options">The options; the connection string and the master keys are required.</param>
    /// <param name="clock">The clock to use instead of the server's; <see langword="null"/> (the default) uses <c>clock_timestamp()</c>.</param>
    public PostgreSqlInvoiceOcrStore(PostgreSqlStoreOptions options, TimeProvider? clock = null)
        : this(new PostgreSqlDatabase(options ?? throw new ArgumentNullException(nameof(options))), options, null, clock)
    {
        _ownedDatabase = Database;
    }

    internal PostgreSqlInvoiceOcrStore(PostgreSqlDatabase database, PostgreSqlStoreOptions options, PostgreSqlMigrator? migrator, TimeProvider? clock)
        : base(
            PostgreSqlDialect.Instance,
            PostgreSqlStatements.Instance,
            new PostgreSqlConnectionFactory(database),
            migrator ?? new PostgreSqlMigrator(database, options, NullLogger<PostgreSqlMigrator>.Instance),
            options.SecretProtection,
            clock)
    {
        Database = database;
    }

    internal PostgreSqlDatabase Database { get; }

    /// <summary>Closes the connection pool when the store created it (a store from the container shares the container's).</summary>
    /// <returns>A task that completes when the pool is closed.</returns>
    public ValueTask DisposeAsync() => _ownedDatabase?.DisposeAsync() ?? ValueTask.CompletedTask;

    /// <inheritdoc />
    protected override RelationalRetentionStatements RetentionStatements => PostgreSqlRetentionStatements.Instance;
}
