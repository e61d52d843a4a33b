using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace InvoiceOcr.Sdk.Documents;

/// <summary>Registers document intake. Called by <c>AddInvoiceOcr</c>; the caller binds and validates <see cref="DocumentOptions"/>.</summary>
internal static class DocumentIntakeServiceCollectionExtensions
{
    /// <summary>Adds the <see cref="DocumentInspector"/> (singleton) and <see cref="TimeProvider.System"/> if no time provider is registered.</summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The same service collection.</returns>
    public static IServiceCollection AddDocumentIntake(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<DocumentOptions>();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<DocumentInspector>();
        return services;
    }
}
