using InvoiceOcr.Sdk;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Returned by <see cref="InvoiceOcrServiceCollectionExtensions.AddInvoiceOcr(IServiceCollection)"/>; storage packages
/// and other add-ons hang their registration methods off it (for example <c>AddSqliteStore</c>).
/// </summary>
public sealed class InvoiceOcrBuilder
{
    internal InvoiceOcrBuilder(IServiceCollection services)
    {
        Services = services;
    }

    /// <summary>Gets the service collection the SDK is registered in.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Configures <see cref="InvoiceOcrOptions"/> further.</summary>
    /// <param name="configure">The delegate that changes the options.</param>
    /// <returns>This builder, for chaining.</returns>
    public InvoiceOcrBuilder Configure(Action<InvoiceOcrOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return this;
    }
}
