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

    /// <summary>
    /// Wraps the registered <see cref="IUsageLogger"/> (the built-in one, or a storage package's) in a decorator, for
    /// example to also send each billed attempt to another system. Call it after the storage package's registration; the
    /// decorator must forward to the logger it wraps and return that logger's result, which says what was settled.
    /// </summary>
    /// <param name="decorate">Builds the decorator from the services and the logger it wraps.</param>
    /// <returns>This builder, for chaining.</returns>
    public InvoiceOcrBuilder DecorateUsageLogger(Func<IServiceProvider, IUsageLogger, IUsageLogger> decorate)
    {
        ArgumentNullException.ThrowIfNull(decorate);
        var inner = Services.LastOrDefault(static d => d.ServiceType == typeof(IUsageLogger))
            ?? throw new InvalidOperationException("No IUsageLogger is registered; call AddInvoiceOcr first.");
        Services.Remove(inner);
        Services.Add(ServiceDescriptor.Describe(
            typeof(IUsageLogger),
            provider => decorate(provider, (IUsageLogger)Resolve(provider, inner)),
            inner.Lifetime));
        return this;
    }

    private static object Resolve(IServiceProvider provider, ServiceDescriptor descriptor) => descriptor switch
    {
        { ImplementationInstance: { } instance } => instance,
        { ImplementationFactory: { } factory } => factory(provider),
        { ImplementationType: { } type } => ActivatorUtilities.CreateInstance(provider, type),
        _ => throw new InvalidOperationException("The registered IUsageLogger cannot be resolved for decoration."),
    };
}
