using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Caching;
using InvoiceOcr.Sdk.Caching.Internal;
using InvoiceOcr.Sdk.Caching.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the extraction-result cache (HybridCache, optional Redis second level) on the SDK builder.</summary>
public static class ResultCacheInvoiceOcrBuilderExtensions
{
    /// <summary>Adds the result cache with options set in code (for example <see cref="ResultCacheOptions.RedisConfiguration"/>).</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configure">Sets the options; validated when the host starts.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddResultCache(this InvoiceOcrBuilder builder, Action<ResultCacheOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return AddCore(builder, configure ?? (static _ => { }));
    }

    /// <summary>Adds the result cache with options bound from configuration (for example the <c>InvoiceOcr:ResultCache</c> section).</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configuration">The section to bind; validated when the host starts.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddResultCache(this InvoiceOcrBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        return AddCore(builder, options => configuration.Bind(options));
    }

    /// <summary>
    /// Adds a health check of the result cache's Redis: <see cref="HealthStatus.Degraded"/> by default when Redis does not
    /// answer, since extraction goes on with the cache bypassed. Tag it for readiness.
    /// </summary>
    /// <param name="healthChecks">The health checks builder.</param>
    /// <param name="name">The check's name.</param>
    /// <param name="failureStatus">The status reported when Redis does not answer; <see cref="HealthStatus.Degraded"/> when <see langword="null"/>.</param>
    /// <param name="tags">Tags for filtering.</param>
    /// <returns>The builder, for chaining.</returns>
    public static IHealthChecksBuilder AddInvoiceOcrResultCache(this IHealthChecksBuilder healthChecks, string name = "invoiceocr-result-cache", HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(healthChecks);
        return healthChecks.AddCheck<RedisResultCacheHealthCheck>(name, failureStatus ?? HealthStatus.Degraded, tags ?? []);
    }

    private static InvoiceOcrBuilder AddCore(InvoiceOcrBuilder builder, Action<ResultCacheOptions> configure)
    {
        var services = builder.Services;
        services.AddOptions<ResultCacheOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ResultCacheOptions>, ResultCacheOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ResultCacheOptions>, ResultCacheOptionsRules>());
        services.TryAddSingleton<ResultCacheMetrics>();
        services.TryAddSingleton<RedisConnection>();

        services.TryAddSingleton<ResultCacheStore>();

        var inner = services.LastOrDefault(static d => d.ServiceType == typeof(IInvoiceExtractor))
            ?? throw new InvalidOperationException("No IInvoiceExtractor is registered; call AddInvoiceOcr first.");
        if (inner.ImplementationType != typeof(CachingInvoiceExtractor))
        {
            services.Remove(inner);
            services.TryAddSingleton(provider => ActivatorUtilities.CreateInstance<CachingInvoiceExtractor>(provider, (IInvoiceExtractor)Resolve(provider, inner)));
            services.Add(ServiceDescriptor.Singleton<IInvoiceExtractor>(static provider => provider.GetRequiredService<CachingInvoiceExtractor>()));
            services.TryAddSingleton<IExtractionResultCache>(static provider => provider.GetRequiredService<CachingInvoiceExtractor>());
        }

        return builder;
    }

    private static object Resolve(IServiceProvider provider, ServiceDescriptor descriptor) => descriptor switch
    {
        { ImplementationInstance: { } instance } => instance,
        { ImplementationFactory: { } factory } => factory(provider),
        { ImplementationType: { } type } => ActivatorUtilities.CreateInstance(provider, type),
        _ => throw new InvalidOperationException("The registered IInvoiceExtractor cannot be resolved for the result cache."),
    };
}
