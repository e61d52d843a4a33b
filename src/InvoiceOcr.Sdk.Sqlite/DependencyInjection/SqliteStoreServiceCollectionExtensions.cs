using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.Sqlite.DependencyInjection;
using InvoiceOcr.Sdk.Sqlite.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite store.</summary>
public static class SqliteStoreServiceCollectionExtensions
{
    private static readonly RelationalStoreProvider<SqliteInvoiceOcrStore, SqliteStoreOptions> Provider = new(
        static (options, target) => options.DatabasePath = target,
        new SqliteStoreOptionsValidator(),
        static (options, services) => new SqliteInvoiceOcrStore(new SqliteDatabase(options), options, services.GetRequiredService<TimeProvider>(), services.GetRequiredService<ILoggerFactory>()),
        static store => new SqliteInvoiceJobStore(store.Database));

    /// <summary>Stores keys, quotas, usage, retries and application logs in a SQLite file (created and migrated at start-up).</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="databasePath">The database file path.</param>
    /// <param name="configure">Sets further options; the master keys (<see cref="RelationalStoreOptions.SecretProtection"/>) are required.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddSqliteStore(this InvoiceOcrBuilder builder, string databasePath, Action<SqliteStoreOptions> configure) => Provider.Add(builder, databasePath, configure ?? throw new ArgumentNullException(nameof(configure)));

    /// <summary>Stores keys, quotas, usage, retries and application logs in a SQLite file, with options bound elsewhere (for example from configuration).</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="databasePath">The database file path.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddSqliteStore(this InvoiceOcrBuilder builder, string databasePath) => Provider.Add(builder, databasePath, null);

    /// <summary>Stores keys, quotas, usage, retries and application logs in a SQLite file, with options bound from configuration.</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configuration">The section to bind, for example <c>InvoiceOcr:Sqlite</c> holding <c>DatabasePath</c> and <c>SecretProtection:CurrentKeyId</c> / <c>SecretProtection:MasterKeys:&lt;id&gt;</c>; validated when the host starts.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddSqliteStore(this InvoiceOcrBuilder builder, IConfiguration configuration) => Provider.Add(builder, configuration);

    /// <summary>Adds a health check that reports whether the SQLite store is reachable and its schema current.</summary>
    /// <param name="healthChecks">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status reported on failure; <see cref="HealthStatus.Unhealthy"/> when <see langword="null"/>.</param>
    /// <param name="tags">Tags for filtering.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHealthChecksBuilder AddInvoiceOcrSqliteStore(this IHealthChecksBuilder healthChecks, string name = "invoiceocr-sqlite", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null) =>
        RelationalStoreRegistration.AddRelationalStoreHealthCheck<SqliteInvoiceOcrStore>(healthChecks, name, failureStatus, tags);
}
