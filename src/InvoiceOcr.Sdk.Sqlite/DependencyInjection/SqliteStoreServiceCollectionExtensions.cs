using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.Sqlite.DependencyInjection;
using InvoiceOcr.Sdk.Sqlite.Internal;
using InvoiceOcr.Sdk.Sqlite.Schema;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SQLite store.</summary>
public static class SqliteStoreServiceCollectionExtensions
{
    /// <summary>Stores keys, quotas, usage, retries and application logs in a SQLite file (created and migrated at start-up).</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="databasePath">The database file path.</param>
    /// <param name="configure">Sets further options; the master keys (<see cref="RelationalStoreOptions.SecretProtection"/>) are required.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddSqliteStore(this InvoiceOcrBuilder builder, string databasePath, Action<SqliteStoreOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        ArgumentNullException.ThrowIfNull(configure);
        return AddCore(builder, options =>
        {
            options.DatabasePath = databasePath;
            configure(options);
        });
    }

    /// <summary>Stores keys, quotas, usage, retries and application logs in a SQLite file, with options bound elsewhere (for example from configuration).</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="databasePath">The database file path.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddSqliteStore(this InvoiceOcrBuilder builder, string databasePath)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(databasePath);
        return AddCore(builder, options => options.DatabasePath = databasePath);
    }

    /// <summary>Stores keys, quotas, usage, retries and application logs in a SQLite file, with options bound from configuration.</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configuration">The section to bind, for example <c>InvoiceOcr:Sqlite</c> holding <c>DatabasePath</c> and <c>SecretProtection:CurrentKeyId</c> / <c>SecretProtection:MasterKeys:&lt;id&gt;</c>; validated when the host starts.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddSqliteStore(this InvoiceOcrBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        return AddCore(builder, options => configuration.Bind(options));
    }

    /// <summary>Adds a health check that reports whether the SQLite store is reachable and its schema current.</summary>
    /// <param name="healthChecks">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status reported on failure; <see cref="HealthStatus.Unhealthy"/> when <see langword="null"/>.</param>
    /// <param name="tags">Tags for filtering.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHealthChecksBuilder AddInvoiceOcrSqliteStore(this IHealthChecksBuilder healthChecks, string name = "invoiceocr-sqlite", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(healthChecks);
        return RelationalStoreRegistration.AddRelationalStoreHealthCheck<SqliteInvoiceOcrStore>(healthChecks, name, failureStatus, tags);
    }

    private static InvoiceOcrBuilder AddCore(InvoiceOcrBuilder builder, Action<SqliteStoreOptions> configure)
    {
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteStoreOptions>, SqliteStoreOptionsValidator>());
        services.TryAddSingleton(static sp => new SqliteDatabase(sp.GetRequiredService<IOptions<SqliteStoreOptions>>().Value));
        services.TryAddSingleton<SqliteMigrator>();

        // Batch jobs live in the same database; replacing (not trying to add) wins whether AddJobs came before or after.
        services.Replace(ServiceDescriptor.Singleton<IInvoiceJobStore>(static sp => new SqliteInvoiceJobStore(sp.GetRequiredService<SqliteDatabase>())));
        return RelationalStoreRegistration.AddRelationalStore(builder, configure, static sp => new SqliteInvoiceOcrStore(
            sp.GetRequiredService<SqliteDatabase>(),
            sp.GetRequiredService<IOptions<SqliteStoreOptions>>().Value,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<SqliteMigrator>()));
    }
}
