using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// What a relational provider's <c>AddXxxStore</c> overloads share, written once: argument checks, the three ways to
/// configure (a target plus a callback, a target alone, a configuration section), the provider's options validator
/// and services, then <see cref="RelationalStoreRegistration.AddRelationalStore{TStore, TOptions}"/>. A provider keeps
/// one static instance and its public methods call it.
/// </summary>
/// <typeparam name="TStore">The provider's store.</typeparam>
/// <typeparam name="TOptions">The provider's options.</typeparam>
/// <param name="setTarget">Sets the options' target (the connection string or the database path) from the argument.</param>
/// <param name="validator">The provider's options validator, registered once and run at start.</param>
/// <param name="addServices">Registers what the provider's store needs (its database, its migrator), with <c>TryAdd</c>.</param>
/// <param name="createStore">Creates the store from the container (its options are <c>IOptions&lt;TOptions&gt;</c>).</param>
public sealed class RelationalStoreProvider<TStore, TOptions>(
    Action<TOptions, string> setTarget,
    IValidateOptions<TOptions> validator,
    Action<IServiceCollection> addServices,
    Func<IServiceProvider, TStore> createStore)
    where TStore : RelationalInvoiceOcrStore
    where TOptions : RelationalStoreOptions
{
    /// <summary>Registers the store for <paramref name="target"/>, then lets <paramref name="configure"/> set further options.</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="target">The connection string or database path.</param>
    /// <param name="configure">Sets further options; <see langword="null"/> when they are bound elsewhere.</param>
    /// <returns>The builder, for chaining.</returns>
    public InvoiceOcrBuilder Add(InvoiceOcrBuilder builder, string target, Action<TOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(target);
        return AddCore(builder, options =>
        {
            setTarget(options, target);
            configure?.Invoke(options);
        });
    }

    /// <summary>Registers the store with its options bound from <paramref name="configuration"/> (validated when the host starts).</summary>
    /// <param name="builder">The SDK builder.</param>
    /// <param name="configuration">The section to bind.</param>
    /// <returns>The builder, for chaining.</returns>
    public InvoiceOcrBuilder Add(InvoiceOcrBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        return AddCore(builder, configuration.Bind);
    }

    private InvoiceOcrBuilder AddCore(InvoiceOcrBuilder builder, Action<TOptions> configure)
    {
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton(validator));
        addServices(builder.Services);
        return RelationalStoreRegistration.AddRelationalStore(builder, configure, createStore);
    }
}
