using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.SqlServer.Schema;

/// <summary>
/// Prepares the SQL Server store when the host starts (never in a constructor): applies pending migrations when
/// <see cref="SqlServerStoreOptions.AutoMigrate"/> is on, otherwise fails start-up if the schema is not current; then replays
/// usage records a previous run left in the durable outbox.
/// </summary>
internal sealed class SqlServerStoreInitializer(SqlServerMigrator migrator, IOptions<SqlServerStoreOptions> options, DurableUsageLogger usageLogger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
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

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
