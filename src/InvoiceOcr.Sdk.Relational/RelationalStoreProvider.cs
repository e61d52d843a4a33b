using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// What a relational provider's <c>AddXxxStore</c> overloads share, written once: argument checks, the three ways to
/// configure (a target plus a callback, a target alone, a configuration section), the provider's options validator, its
/// store (which owns its connections and migrator) and the job store over the same database, then
/// <see cref="RelationalStoreRegistration.AddRelationalStore{TStore, TOptions}"/>. A provider keeps one static instance
/// and each of its public methods is one call to it.
/// </summary>
/// <typeparam name="TStore">The provider's store.</typeparam>
/// <typeparam name="TOptions">The provider's options.</typeparam>
/// <param name="setTarget">Sets the options' target (the connection string or the database path) from the argument.</param>
/// <param name="validator">The provider's options validator, registered once and run at start.</param>
/// <param name="createStore">Creates the store from its validated options and the container (for its logger factory and clock).</param>
/// <param name="createJobStore">Creates the batch-job store over the store's database.</param>
public sealed class RelationalStoreProvider<TStore, TOptions>(
    Action<TOptions, string> setTarget,
    IValidateOptions<TOptions> validator,
    Func<TOptions, IServiceProvider, TStore> createStore,
    Func<TStore, IInvoiceJobStore> createJobStore)
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

        // Batch jobs live in the same database; replacing (not trying to add) wins whether AddJobs came before or after.
        builder.Services.Replace(ServiceDescriptor.Singleton(sp =>
        {
            var store = sp.GetRequiredService<TStore>();
            var jobs = createJobStore(store);
            (jobs as RelationalInvoiceJobStore)?.UseMetrics(store.Metrics);
            return jobs;
        }));
        return RelationalStoreRegistration.AddRelationalStore(builder, configure, sp => createStore(sp.GetRequiredService<IOptions<TOptions>>().Value, sp));
    }
}
