using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace InvoiceOcr.Sdk.Invoices;

/// <summary>Registers the invoice services: validator, e-invoice reader and accuracy scorer.</summary>
internal static class InvoiceServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="InvoiceValidator"/> (with validated <see cref="InvoiceValidationOptions"/>), <see cref="EInvoiceReader"/>
    /// and <see cref="InvoiceAccuracyScorer"/> as singletons, and <see cref="TimeProvider.System"/> unless a clock is registered.
    /// Safe to call more than once.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The options builder for <see cref="InvoiceValidationOptions"/>, to bind configuration or configure further.</returns>
    internal static Microsoft.Extensions.Options.OptionsBuilder<InvoiceValidationOptions> AddInvoiceServices(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<InvoiceValidator>();
        services.TryAddSingleton<EInvoiceReader>();
        services.TryAddSingleton(_ => new InvoiceAccuracyScorer());
        return services.AddOptions<InvoiceValidationOptions>().ValidateDataAnnotations().ValidateOnStart();
    }
}
