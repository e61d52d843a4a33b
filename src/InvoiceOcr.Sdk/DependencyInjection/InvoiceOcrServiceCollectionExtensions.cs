using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.DependencyInjection;
using InvoiceOcr.Sdk.Documents;
using InvoiceOcr.Sdk.Extraction;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.Sdk.Invoices;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers InvoiceOcr.Sdk in a service collection.</summary>
public static class InvoiceOcrServiceCollectionExtensions
{
    /// <summary>Adds the SDK with default options (bind or configure them elsewhere).</summary>
    /// <param name="services">The service collection.</param>
    /// <returns>A builder for storage packages and further configuration.</returns>
    public static InvoiceOcrBuilder AddInvoiceOcr(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return AddCore(services);
    }

    /// <summary>Adds the SDK and configures its options in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets the options; they are validated when the host starts.</param>
    /// <returns>A builder for storage packages and further configuration.</returns>
    public static InvoiceOcrBuilder AddInvoiceOcr(this IServiceCollection services, Action<InvoiceOcrOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var builder = AddCore(services);
        services.Configure(configure);
        return builder;
    }

    /// <summary>Adds the SDK and binds its options from configuration (for example the <c>InvoiceOcr</c> section).</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The section to bind; validated when the host starts.</param>
    /// <returns>A builder for storage packages and further configuration.</returns>
    public static InvoiceOcrBuilder AddInvoiceOcr(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        var builder = AddCore(services);
        services.Configure<InvoiceOcrOptions>(configuration);
        return builder;
    }

    private static InvoiceOcrBuilder AddCore(IServiceCollection services)
    {
        // Every overload funnels here; registration is idempotent so calling AddInvoiceOcr twice is harmless.
        services.AddOptions<InvoiceOcrOptions>().ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<InvoiceOcrOptions>, InvoiceOcrOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.AddMetrics();

        // Each feature keeps its own options type; the instance is the one nested in InvoiceOcrOptions.
        AddNestedOptions(services, static o => o.Documents);
        AddNestedOptions(services, static o => o.Gemini);
        AddNestedOptions(services, static o => o.KeyPool);
        AddNestedOptions(services, static o => o.Retry);
        AddNestedOptions(services, static o => o.Validation);
        AddNestedOptions(services, static o => o.Pricing);
        AddNestedOptions(services, static o => o.Budgets);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PricingOptions>, InvoiceOcr.Sdk.Pricing.PricingOptionsRulesValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BudgetOptions>, InvoiceOcr.Sdk.Pricing.BudgetOptionsValidator>());

        services.AddDocumentIntake();
        services.AddInvoiceOcrGeminiClient();
        services.AddInvoiceOcrKeyPool();
        services.AddInvoiceServices();
        services.TryAddSingleton<IInvoiceExtractor, InvoiceExtractor>();
        services.TryAddSingleton<IModelCallRunner, InvoiceOcr.Sdk.ModelCalls.ModelCallRunner>();
        return new InvoiceOcrBuilder(services);
    }

    private static void AddNestedOptions<TOptions>(IServiceCollection services, Func<InvoiceOcrOptions, TOptions> select)
        where TOptions : class
    {
        services.Replace(ServiceDescriptor.Transient<IOptionsFactory<TOptions>>(provider => new NestedOptionsFactory<TOptions>(
            provider.GetRequiredService<IOptionsMonitor<InvoiceOcrOptions>>(),
            select,
            provider.GetServices<IConfigureOptions<TOptions>>(),
            provider.GetServices<IPostConfigureOptions<TOptions>>(),
            provider.GetServices<IValidateOptions<TOptions>>())));
    }
}
