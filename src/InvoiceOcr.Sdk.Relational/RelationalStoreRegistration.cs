using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>The registration every relational provider shares; a provider's <c>AddXxxStore</c> methods call it.</summary>
public static class RelationalStoreRegistration
{
    /// <summary>
    /// Registers a relational store: its options (data annotations validated at start), the store singleton serving
    /// every store abstraction (replacing whatever was registered before, the in-memory default), a
    /// <see cref="DurableUsageLogger"/> over it, and a hosted initializer that migrates (or checks) the schema and
    /// replays the outbox when the host starts, and the retention purge (<see cref="RelationalRetentionPurger"/>, run by a
    /// hosted service after the initializer).
    /// </summary>
    /// <typeparam name="TStore">The provider's store.</typeparam>
    /// <typeparam name="TOptions">The provider's options.</typeparam>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configure">Sets the options.</param>
    /// <param name="createStore">Creates the store from the container (its options are <c>IOptions&lt;TOptions&gt;</c>).</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddRelationalStore<TStore, TOptions>(InvoiceOcrBuilder builder, Action<TOptions> configure, Func<IServiceProvider, TStore> createStore)
        where TStore : RelationalInvoiceOcrStore
        where TOptions : RelationalStoreOptions
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        ArgumentNullException.ThrowIfNull(createStore);
        var services = builder.Services;
        services.AddOptions<TOptions>().Configure(configure).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.TryAddSingleton(sp =>
        {
            var store = createStore(sp);
            store.UseMetrics(sp.GetRequiredService<IMeterFactory>());
            return store;
        });

        Replace<IApiKeyStore>(services, static sp => sp.GetRequiredService<TStore>());
        Replace<IQuotaStore>(services, static sp => sp.GetRequiredService<TStore>());
        Replace<IBudgetStore>(services, static sp => sp.GetRequiredService<TStore>());
        Replace<IUsageLedger>(services, static sp => sp.GetRequiredService<TStore>());
        Replace<IRetryAttemptStore>(services, static sp => sp.GetRequiredService<TStore>());
        Replace<IUsageLedgerBatchWriter>(services, static sp => sp.GetRequiredService<TStore>());
        Replace<IApplicationLogSink>(services, static sp => sp.GetRequiredService<TStore>());
        services.TryAddSingleton(static sp =>
        {
            var options = sp.GetRequiredService<IOptions<TOptions>>().Value;
            return new DurableUsageLogger(
                sp.GetRequiredService<TStore>(),
                new DurableUsageLoggerOptions
                {
                    OutboxDirectory = options.GetOutboxDirectory(),
                    ReplayInterval = options.OutboxReplayInterval,
                    BatchSize = options.UsageBatchSize,
                },
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<DurableUsageLogger>>());
        });
        Replace<IUsageLogger>(services, static sp => sp.GetRequiredService<DurableUsageLogger>());
        Replace<IAttemptJournalOutbox>(services, static sp => sp.GetRequiredService<DurableUsageLogger>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RelationalStoreInitializer<TStore, TOptions>>());
        services.AddMetrics();
        services.TryAddSingleton(static sp => new RelationalRetentionPurger(
            sp.GetRequiredService<TStore>(),
            sp.GetRequiredService<IOptions<TOptions>>().Value.Retention,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RelationalRetentionPurger>>(),
            sp.GetRequiredService<IMeterFactory>()));
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, RelationalRetentionService>(static sp => new RelationalRetentionService(
            sp.GetRequiredService<RelationalRetentionPurger>(),
            sp.GetRequiredService<IOptions<TOptions>>().Value.Retention,
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<RelationalRetentionService>>())));
        return builder;
    }

    /// <summary>Adds a health check that reports whether the store is reachable and its schema current.</summary>
    /// <typeparam name="TStore">The provider's store, registered by <see cref="AddRelationalStore{TStore, TOptions}"/>.</typeparam>
    /// <param name="healthChecks">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status reported on failure; <see cref="HealthStatus.Unhealthy"/> when <see langword="null"/>.</param>
    /// <param name="tags">Tags for filtering.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHealthChecksBuilder AddRelationalStoreHealthCheck<TStore>(IHealthChecksBuilder healthChecks, string name, HealthStatus? failureStatus, IEnumerable<string>? tags)
        where TStore : RelationalInvoiceOcrStore
    {
        ArgumentNullException.ThrowIfNull(healthChecks);
        return healthChecks.AddCheck<RelationalStoreHealthCheck<TStore>>(name, failureStatus, tags ?? []);
    }

    private static void Replace<TService>(IServiceCollection services, Func<IServiceProvider, TService> factory)
        where TService : class
    {
        services.RemoveAll<TService>();
        services.AddSingleton(factory);
    }
}
