using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Persistence.Ado;

/// <summary>The part of a database store's registration that is the same for every provider.</summary>
internal static class AdoStoreRegistration
{
    /// <summary>
    /// Makes the registered <typeparamref name="TStore"/> singleton serve every store abstraction, replacing whatever
    /// was registered before (the in-memory default), and puts a <see cref="DurableUsageLogger"/> over it.
    /// </summary>
    /// <typeparam name="TStore">The store type, already registered as a singleton.</typeparam>
    /// <param name="services">The services.</param>
    /// <param name="outboxOptions">Reads the durable logger's options from the store's options.</param>
    public static void AddStoreServices<TStore>(IServiceCollection services, Func<IServiceProvider, DurableUsageLoggerOptions> outboxOptions)
        where TStore : class, IApiKeyStore, IQuotaStore, IUsageLedger, IRetryAttemptStore, IUsageLedgerBatchWriter, IApplicationLogSink
    {
        Replace<IApiKeyStore>(services, static sp => sp.GetRequiredService<TStore>());
        Replace<IQuotaStore>(services, static sp => sp.GetRequiredService<TStore>());
        Replace<IUsageLedger>(services, static sp => sp.GetRequiredService<TStore>());
        Replace<IRetryAttemptStore>(services, static sp => sp.GetRequiredService<TStore>());
        Replace<IUsageLedgerBatchWriter>(services, static sp => sp.GetRequiredService<TStore>());
        Replace<IApplicationLogSink>(services, static sp => sp.GetRequiredService<TStore>());
        services.TryAddSingleton(sp => new DurableUsageLogger(
            sp.GetRequiredService<TStore>(),
            outboxOptions(sp),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<DurableUsageLogger>>()));
        Replace<IUsageLogger>(services, static sp => sp.GetRequiredService<DurableUsageLogger>());
    }

    private static void Replace<TService>(IServiceCollection services, Func<IServiceProvider, TService> factory)
        where TService : class
    {
        services.RemoveAll<TService>();
        services.AddSingleton(factory);
    }
}
