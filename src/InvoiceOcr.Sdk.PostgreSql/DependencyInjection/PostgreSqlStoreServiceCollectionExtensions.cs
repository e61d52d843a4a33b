using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.PostgreSql.DependencyInjection;
using InvoiceOcr.Sdk.PostgreSql.Internal;
using InvoiceOcr.Sdk.PostgreSql.Schema;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the PostgreSQL store.</summary>
public static class PostgreSqlStoreServiceCollectionExtensions
{
    /// <summary>Stores keys, quotas, usage, retries and application logs in PostgreSQL (schema created and migrated at start-up).</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="connectionString">The Npgsql connection string (<c>Host=…;Database=…;Username=…;Password=…</c>).</param>
    /// <param name="configure">Sets further options; the master keys (<see cref="RelationalStoreOptions.SecretProtection"/>) are required.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddPostgreSqlStore(this InvoiceOcrBuilder builder, string connectionString, Action<PostgreSqlStoreOptions> configure)
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

    /// <summary>Stores keys, quotas, usage, retries and application logs in PostgreSQL, with options bound elsewhere (for example from configuration).</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="connectionString">The Npgsql connection string (<c>Host=…;Database=…;Username=…;Password=…</c>).</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddPostgreSqlStore(this InvoiceOcrBuilder builder, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        return AddCore(builder, options => options.ConnectionString = connectionString);
    }

    /// <summary>Stores keys, quotas, usage, retries and application logs in PostgreSQL, with options bound from configuration.</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configuration">The section to bind, for example <c>InvoiceOcr:PostgreSql</c> holding <c>ConnectionString</c> and <c>SecretProtection:CurrentKeyId</c> / <c>SecretProtection:MasterKeys:&lt;id&gt;</c>; validated when the host starts.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddPostgreSqlStore(this InvoiceOcrBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        return AddCore(builder, options => configuration.Bind(options));
    }

    /// <summary>Adds a health check that reports whether the PostgreSQL store is reachable and its schema current.</summary>
    /// <param name="healthChecks">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status reported on failure; <see cref="HealthStatus.Unhealthy"/> when <see langword="null"/>.</param>
    /// <param name="tags">Tags for filtering.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHealthChecksBuilder AddInvoiceOcrPostgreSqlStore(this IHealthChecksBuilder healthChecks, string name = "invoiceocr-postgresql", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(healthChecks);
        return RelationalStoreRegistration.AddRelationalStoreHealthCheck<PostgreSqlInvoiceOcrStore>(healthChecks, name, failureStatus, tags);
    }

    private static InvoiceOcrBuilder AddCore(InvoiceOcrBuilder builder, Action<PostgreSqlStoreOptions> configure)
    {
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgreSqlStoreOptions>, PostgreSqlStoreOptionsValidator>());
        services.TryAddSingleton(static sp => new PostgreSqlDatabase(sp.GetRequiredService<IOptions<PostgreSqlStoreOptions>>().Value));

        // Batch jobs live in the same schema; replacing (not trying to add) wins whether AddJobs came before or after.
        services.Replace(ServiceDescriptor.Singleton<IInvoiceJobStore>(static sp => new PostgreSqlInvoiceJobStore(sp.GetRequiredService<PostgreSqlDatabase>())));
        services.TryAddSingleton(static sp => new PostgreSqlMigrator(
            sp.GetRequiredService<PostgreSqlDatabase>(),
            sp.GetRequiredService<IOptions<PostgreSqlStoreOptions>>().Value,
            sp.GetRequiredService<ILogger<PostgreSqlMigrator>>()));
        return RelationalStoreRegistration.AddRelationalStore(builder, configure, static sp => new PostgreSqlInvoiceOcrStore(
            sp.GetRequiredService<PostgreSqlDatabase>(),
            sp.GetRequiredService<IOptions<PostgreSqlStoreOptions>>().Value,
            sp.GetRequiredService<PostgreSqlMigrator>(),
            null));
    }
}
