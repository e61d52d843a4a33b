using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Diagnostics;
using InvoiceOcr.Sdk.Keys;
using InvoiceOcr.Sdk.Pipeline;
using InvoiceOcr.Sdk.Quotas;
using InvoiceOcr.Sdk.Resilience;
using InvoiceOcr.Sdk.Usage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the key pool, quotas, retry policy, usage logging and metrics.</summary>
internal static class KeyPoolServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ITokenProvider"/>, <see cref="IRetryPolicy"/>, <see cref="IUsageLogger"/>, the model-call pipeline and
    /// the SDK's metrics, the hosted <see cref="ReservationReclaimService"/> and <see cref="InvoiceOcr.Sdk.Pricing.BudgetReclaimService"/> (run when a host starts), with <see cref="InMemoryInvoiceOcrStore"/> as the default store (storage packages replace it by
    /// registering their stores first or with <c>Replace</c>). Options: <see cref="KeyPoolOptions"/> and <see cref="RetryOptions"/>,
    /// validated at start-up.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The services.</returns>
    internal static IServiceCollection AddInvoiceOcrKeyPool(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<KeyPoolOptions>()
            .ValidateDataAnnotations()
            .Validate(
                static o => o.FallbackKeys.All(static f =>
                    !string.IsNullOrWhiteSpace(f.Id) && !string.IsNullOrWhiteSpace(f.CompanyId) && !string.IsNullOrWhiteSpace(f.Secret)),
                "Every KeyPoolOptions.FallbackKeys entry needs an Id, a CompanyId and a Secret.")
            .ValidateOnStart();
        services.AddOptions<RetryOptions>()
            .ValidateDataAnnotations()
            .Validate(static o => o.AttemptTimeout <= o.TotalTimeout, "RetryOptions.AttemptTimeout must not be longer than RetryOptions.TotalTimeout.")
            .Validate(static o => o.InitialDelay <= o.MaxDelay, "RetryOptions.InitialDelay must not be longer than RetryOptions.MaxDelay.")
            .ValidateOnStart();
        services.AddMetrics();
        services.AddLogging();
        services.TryAddSingleton(TimeProvider.System);

        services.TryAddSingleton(sp => new InMemoryInvoiceOcrStore(sp.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton<IApiKeyStore>(sp => sp.GetRequiredService<InMemoryInvoiceOcrStore>());
        services.TryAddSingleton<IQuotaStore>(sp => sp.GetRequiredService<InMemoryInvoiceOcrStore>());
        services.TryAddSingleton<IUsageLedger>(sp => sp.GetRequiredService<InMemoryInvoiceOcrStore>());
        services.TryAddSingleton<IRetryAttemptStore>(sp => sp.GetRequiredService<InMemoryInvoiceOcrStore>());

        // A store that implements IOperationStore (the in-memory one, the relational ones) holds operations and the attempt
        // journal in its own transactions; otherwise claims stay in this process and nothing is journaled.
        services.TryAddSingleton<IOperationStore>(sp => sp.GetRequiredService<IQuotaStore>() as IOperationStore
            ?? new ProcessLocalOperationStore(sp.GetRequiredService<IUsageLedger>(), sp.GetRequiredService<TimeProvider>()));

        services.TryAddSingleton<InvoiceOcrMetrics>();
        services.TryAddSingleton<IUsageLogger, StoreUsageLogger>();
        services.TryAddSingleton<ITokenProvider, TokenProvider>();
        services.TryAddSingleton<IRetryPolicy, RetryPolicy>();
        services.TryAddSingleton<IKeyPoolQueries, KeyPoolQueries>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<KeyPoolOptions>, ReservationLifetimeValidator>());

        // The model-call pipeline, in the order a call takes it (Pipeline/ModelCallPipeline.cs links them).
        services.TryAddSingleton<TotalTimeoutStage>();
        services.TryAddSingleton<OperationClaimStage>();
        services.TryAddSingleton<OperationCompletionStage>();
        services.TryAddSingleton<RetryStage>();
        services.TryAddSingleton<KeyLeaseStage>();
        services.TryAddSingleton<PriceTable>();
        services.TryAddSingleton<IBudgetStore>(static sp => sp.GetRequiredService<InMemoryInvoiceOcrStore>());
        services.TryAddSingleton<InvoiceOcr.Sdk.Pricing.BudgetAdmission>();
        services.TryAddSingleton<BudgetStage>();
        services.TryAddSingleton<AttemptJournalStage>();
        services.TryAddSingleton<KeyBreakerStage>();
        services.TryAddSingleton<GeminiCallStage>();
        services.TryAddSingleton<SettlementStage>();
        services.TryAddSingleton<AttemptEnder>();
        services.TryAddSingleton<ModelCallPipeline>();

        // The in-flight resolver runs before the reclaim service, so an attempt's reservation is charged as that attempt's.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, InFlightAttemptResolver>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ReservationReclaimService>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, InvoiceOcr.Sdk.Pricing.BudgetReclaimService>());
        return services;
    }
}
