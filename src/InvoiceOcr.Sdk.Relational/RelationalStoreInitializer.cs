using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// Prepares a database store when the host starts (never in a constructor): applies pending migrations when
/// auto-migration is on, otherwise fails start-up if the schema is not current; then replays usage records a previous
/// run left in the durable outbox. Generic over the store type so two providers can be registered side by side.
/// </summary>
/// <typeparam name="TStore">The provider's store.</typeparam>
/// <typeparam name="TOptions">The provider's options.</typeparam>
/// <param name="store">The store whose migrator runs.</param>
/// <param name="options">The store's options (<see cref="RelationalStoreOptions.AutoMigrate"/>), read when the host starts.</param>
/// <param name="usageLogger">The durable usage logger whose outbox is replayed.</param>
internal sealed class RelationalStoreInitializer<TStore, TOptions>(TStore store, IOptions<TOptions> options, DurableUsageLogger usageLogger) : IHostedService
    where TStore : RelationalInvoiceOcrStore
    where TOptions : RelationalStoreOptions
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var migrator = store.Migrator;
        if (options.Value.AutoMigrate)
        {
            await migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await migrator.EnsureCurrentAsync(cancellationToken).ConfigureAwait(false);
        }

        // Records a previous run left in the outbox (database down, or the process killed) are replayed before traffic.
        try
        {
            await usageLogger.ReplayOutboxAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            // The background replay loop tries again.
        }
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
