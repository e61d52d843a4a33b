using Microsoft.Extensions.Hosting;

namespace InvoiceOcr.Sdk.Persistence.Ado;

/// <summary>
/// Prepares a database store when the host starts (never in a constructor): applies pending migrations when
/// auto-migration is on, otherwise fails start-up if the schema is not current; then replays usage records a previous
/// run left in the durable outbox. Each store package derives one sealed type so both can be registered side by side.
/// </summary>
/// <param name="migrator">The store's migrator.</param>
/// <param name="autoMigrate">Reads the store's <c>AutoMigrate</c> option when the host starts.</param>
/// <param name="usageLogger">The durable usage logger whose outbox is replayed.</param>
internal abstract class StoreInitializer(IStoreMigrator migrator, Func<bool> autoMigrate, DurableUsageLogger usageLogger) : IHostedService
{
    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (autoMigrate())
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
