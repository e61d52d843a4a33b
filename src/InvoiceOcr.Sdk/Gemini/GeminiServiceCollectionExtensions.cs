using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Gemini;

/// <summary>Registers the Gemini REST client.</summary>
internal static class GeminiServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="GeminiClient"/> as a typed client of the named <see cref="HttpClient"/>
    /// <see cref="GeminiClient.HttpClientName"/>, the validated <see cref="GeminiOptions"/> (checked at start-up)
    /// and <see cref="TimeProvider.System"/> unless a time provider is already registered. No resilience
    /// handler is added: retries and failover wrap the whole attempt elsewhere. The factory's default HTTP
    /// loggers are removed from this client because they expose header values (the key) in structured state.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <returns>The same services, for chaining.</returns>
    internal static IServiceCollection AddInvoiceOcrGeminiClient(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<GeminiOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GeminiOptions>, GeminiOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GeminiOptions>, GeminiOptionsRulesValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddHttpClient<GeminiClient>(GeminiClient.HttpClientName, static (provider, client) =>
            {
                client.BaseAddress = provider.GetRequiredService<IOptionsMonitor<GeminiOptions>>().CurrentValue.BaseAddress;
            })
            // IHttpClientFactory's default request logging redacts header values in the message text but puts the
            // raw values in the structured state, where any structured sink would store the API key. The client
            // logs its own calls (GeminiLog) without secrets, so the default loggers are removed.
            .RemoveAllLoggers();
        services.TryAddTransient<IModelClient>(static provider => provider.GetRequiredService<GeminiClient>());
        return services;
    }
}
