using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.SqlServer.DependencyInjection;
using InvoiceOcr.Sdk.SqlServer.Internal;
using InvoiceOcr.Sdk.SqlServer.Schema;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQL Server store.</summary>
public static class SqlServerStoreServiceCollectionExtensions
{
    /// <summary>Stores keys, quotas, usage, retries and application logs in SQL Server (schema created and migrated at start-up).</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="connectionString">The connection string.</param>
    /// <param name="configure">Sets further options; the master keys (<see cref="RelationalStoreOptions.SecretProtection"/>) are required.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddSqlServerStore(this InvoiceOcrBuilder builder, string connectionString, Action<SqlServerStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        ArgumentNullException.ThrowIfNull(configure);
        return AddCore(builder, options =>
        {
            options.ConnectionString = connectionString;
            configure(options);
        });
    }

    /// <summary>Stores keys, quotas, usage, retries and application logs in SQL Server, with options bound elsewhere (for example from configuration).</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="connectionString">The connection string.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddSqlServerStore(this InvoiceOcrBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return AddCore(builder, options => options.ConnectionString = connectionString);
    }

    /// <summary>Stores keys, quotas, usage, retries and application logs in SQL Server, with options bound from configuration.</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configuration">The section to bind, for example <c>InvoiceOcr:SqlServer</c> holding <c>ConnectionString</c> and <c>SecretProtection:CurrentKeyId</c> / <c>SecretProtection:MasterKeys:&lt;id&gt;</c>; validated when the host starts.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddSqlServerStore(this InvoiceOcrBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        return AddCore(builder, options => configuration.Bind(options));
    }

    /// <summary>Adds a health check that reports whether the SQL Server store is reachable and its schema current.</summary>
    /// <param name="healthChecks">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status reported on failure; <see cref="HealthStatus.Unhealthy"/> when <see langword="null"/>.</param>
    /// <param name="tags">Tags for filtering.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHealthChecksBuilder AddInvoiceOcrSqlServerStore(this IHealthChecksBuilder healthChecks, string name = "invoiceocr-sqlserver", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(healthChecks);
        return RelationalStoreRegistration.AddRelationalStoreHealthCheck<SqlServerInvoiceOcrStore>(healthChecks, name, failureStatus, tags);
    }

    private static InvoiceOcrBuilder AddCore(InvoiceOcrBuilder builder, Action<SqlServerStoreOptions> configure)
    {
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqlServerStoreOptions>, SqlServerStoreOptionsValidator>());
        services.TryAddSingleton(static sp => new SqlServerDatabase(sp.GetRequiredService<IOptions<SqlServerStoreOptions>>().Value));

        // Batch jobs live in the same schema; replacing (not trying to add) wins whether AddJobs came before or after.
        services.Replace(ServiceDescriptor.Singleton<IInvoiceJobStore>(static sp => new SqlServerInvoiceJobStore(sp.GetRequiredService<SqlServerDatabase>())));
        services.TryAddSingleton(static sp => new SqlServerMigrator(
            sp.GetRequiredService<SqlServerDatabase>(),
            sp.GetRequiredService<IOptions<SqlServerStoreOptions>>().Value,
            sp.GetRequiredService<ILogger<SqlServerMigrator>>()));
        return RelationalStoreRegistration.AddRelationalStore(builder, configure, static sp => new SqlServerInvoiceOcrStore(
            sp.GetRequiredService<SqlServerDatabase>(),
            sp.GetRequiredService<IOptions<SqlServerStoreOptions>>().Value,
            sp.GetRequiredService<SqlServerMigrator>(),
            null));
    }
}
