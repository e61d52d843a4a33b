using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// Runs <see cref="RelationalRetentionPurger.PurgeAsync"/> when the host starts (after the store's initializer, which is
/// registered first) and then every <see cref="RelationalRetentionOptions.PurgeInterval"/>. A failed purge is logged and
/// tried again at the next interval: retention is housekeeping, never a reason to stop the application.
/// </summary>
internal sealed partial class RelationalRetentionService(RelationalRetentionPurger purger, RelationalRetentionOptions options, TimeProvider timeProvider, ILogger<RelationalRetentionService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await purger.PurgeAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is InvoiceOcrException or System.Data.Common.DbException or TimeoutException)
            {
                LogFailed(logger, options.PurgeInterval, ex);
            }

            try
            {
                await Task.Delay(options.PurgeInterval, timeProvider, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    [LoggerMessage(3303, LogLevel.Warning, "The retention purge failed; it runs again in {Interval}.")]
    private static partial void LogFailed(ILogger logger, TimeSpan interval, Exception exception);
}
