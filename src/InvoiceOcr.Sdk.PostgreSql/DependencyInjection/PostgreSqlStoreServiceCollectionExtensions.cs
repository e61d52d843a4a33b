using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.PostgreSql.DependencyInjection;
using InvoiceOcr.Sdk.PostgreSql.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL store.</summary>
public static class PostgreSqlStoreServiceCollectionExtensions
{
    private static readonly RelationalStoreProvider<PostgreSqlInvoiceOcrStore, PostgreSqlStoreOptions> Provider = new(
        static (options, target) => options.ConnectionString = target,
        new PostgreSqlStoreOptionsValidator(),
        static (options, services) => new PostgreSqlInvoiceOcrStore(new PostgreSqlDatabase(options), options, null, services.GetRequiredService<ILoggerFactory>()),
        static store => new PostgreSqlInvoiceJobStore(store.Database));

    /// <summary>Stores keys, quotas, usage, retries and application logs in PostgreSQL (schema created and migrated at start-up).</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="connectionString">The Npgsql connection string (<c>Host=…;Database=…;Username=…;Password=…</c>).</param>
    /// <param name="configure">Sets further options; the master keys (<see cref="RelationalStoreOptions.SecretProtection"/>) are required.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddPostgreSqlStore(this InvoiceOcrBuilder builder, string connectionString, Action<PostgreSqlStoreOptions> configure) => Provider.Add(builder, connectionString, configure ?? throw new ArgumentNullException(nameof(configure)));

    /// <summary>Stores keys, quotas, usage, retries and application logs in PostgreSQL, with options bound elsewhere (for example from configuration).</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="connectionString">The Npgsql connection string (<c>Host=…;Database=…;Username=…;Password=…</c>).</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddPostgreSqlStore(this InvoiceOcrBuilder builder, string connectionString) => Provider.Add(builder, connectionString, null);

    /// <summary>Stores keys, quotas, usage, retries and application logs in PostgreSQL, with options bound from configuration.</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configuration">The section to bind, for example <c>InvoiceOcr:PostgreSql</c> holding <c>ConnectionString</c> and <c>SecretProtection:CurrentKeyId</c> / <c>SecretProtection:MasterKeys:&lt;id&gt;</c>; validated when the host starts.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddPostgreSqlStore(this InvoiceOcrBuilder builder, IConfiguration configuration) => Provider.Add(builder, configuration);

    /// <summary>Adds a health check that reports whether the PostgreSQL store is reachable and its schema current.</summary>
    /// <param name="healthChecks">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status reported on failure; <see cref="HealthStatus.Unhealthy"/> when <see langword="null"/>.</param>
    /// <param name="tags">Tags for filtering.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHealthChecksBuilder AddInvoiceOcrPostgreSqlStore(this IHealthChecksBuilder healthChecks, string name = "invoiceocr-postgresql", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null) =>
        RelationalStoreRegistration.AddRelationalStoreHealthCheck<PostgreSqlInvoiceOcrStore>(healthChecks, name, failureStatus, tags);
}
