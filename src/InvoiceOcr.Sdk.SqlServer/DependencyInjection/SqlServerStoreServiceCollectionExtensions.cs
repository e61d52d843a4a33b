using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.SqlServer.DependencyInjection;
using InvoiceOcr.Sdk.SqlServer.Internal;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQL Server store.</summary>
public static class SqlServerStoreServiceCollectionExtensions
{
    private static readonly RelationalStoreProvider<SqlServerInvoiceOcrStore, SqlServerStoreOptions> Provider = new(
        static (options, target) => options.ConnectionString = target,
        new SqlServerStoreOptionsValidator(),
        static (options, services) => new SqlServerInvoiceOcrStore(new SqlServerDatabase(options), options, null, services.GetRequiredService<ILoggerFactory>()),
        static store => new SqlServerInvoiceJobStore(store.Database));

    /// <summary>Stores keys, quotas, usage, retries and application logs in SQL Server (schema created and migrated at start-up).</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="connectionString">The connection string.</param>
    /// <param name="configure">Sets further options; the master keys (<see cref="RelationalStoreOptions.SecretProtection"/>) are required.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddSqlServerStore(this InvoiceOcrBuilder builder, string connectionString, Action<SqlServerStoreOptions> configure) => Provider.Add(builder, connectionString, configure ?? throw new ArgumentNullException(nameof(configure)));

    /// <summary>Stores keys, quotas, usage, retries and application logs in SQL Server, with options bound elsewhere (for example from configuration).</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="connectionString">The connection string.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddSqlServerStore(this InvoiceOcrBuilder builder, string connectionString) => Provider.Add(builder, connectionString, null);

    /// <summary>Stores keys, quotas, usage, retries and application logs in SQL Server, with options bound from configuration.</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configuration">The section to bind, for example <c>InvoiceOcr:SqlServer</c> holding <c>ConnectionString</c> and <c>SecretProtection:CurrentKeyId</c> / <c>SecretProtection:MasterKeys:&lt;id&gt;</c>; validated when the host starts.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddSqlServerStore(this InvoiceOcrBuilder builder, IConfiguration configuration) => Provider.Add(builder, configuration);

    /// <summary>Adds a health check that reports whether the SQL Server store is reachable and its schema current.</summary>
    /// <param name="healthChecks">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status reported on failure; <see cref="HealthStatus.Unhealthy"/> when <see langword="null"/>.</param>
    /// <param name="tags">Tags for filtering.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHealthChecksBuilder AddInvoiceOcrSqlServerStore(this IHealthChecksBuilder healthChecks, string name = "invoiceocr-sqlserver", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null) =>
        RelationalStoreRegistration.AddRelationalStoreHealthCheck<SqlServerInvoiceOcrStore>(healthChecks, name, failureStatus, tags);
}
