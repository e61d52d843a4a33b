using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Diagnostics;
using InvoiceOcr.Sdk.Extraction;
using InvoiceOcr.Sdk.Keys;
using InvoiceOcr.Sdk.Quotas;
using InvoiceOcr.Sdk.Resilience;
using InvoiceOcr.Sdk.Usage;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the key pool, quotas, retry policy, usage logging and metrics.</summary>
internal static class KeyPoolServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="ITokenProvider"/>, <see cref="IRetryPolicy"/>, <see cref="IUsageLogger"/>, the model call executor and
    /// the SDK's metrics, the hosted <see cref="ReservationReclaimService"/> (runs when a host starts), with <see cref="InMemoryInvoiceOcrStore"/> as the default store (storage packages replace it by
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

        services.TryAddSingleton<InvoiceOcrMetrics>();
        services.TryAddSingleton<IUsageLogger, StoreUsageLogger>();
        services.TryAddSingleton<ITokenProvider, TokenProvider>();
        services.TryAddSingleton<IRetryPolicy, RetryPolicy>();
        services.TryAddSingleton<IModelCallExecutor, ModelCallExecutor>();
        services.TryAddSingleton<ExtractionResultCache>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, ReservationReclaimService>());
        return services;
    }
}
