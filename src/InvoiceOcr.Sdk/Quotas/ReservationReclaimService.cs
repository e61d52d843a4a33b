using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Quotas;

/// <summary>
/// Closes lost reservations: every <see cref="KeyPoolOptions.ReservationReclaimInterval"/> (on the <see cref="TimeProvider"/>)
/// it calls <see cref="IQuotaStore.ReclaimExpiredReservationsAsync"/>, so a reservation whose caller died between reserve
/// and settle is charged at its reserved estimate once its time to live has passed: its tokens stop being "reserved" and
/// count as used (the call may have reached Google and been billed), never handed back as headroom. Several instances
/// may run it against one store: each reservation is charged once, atomically. A failing store is logged and tried
/// again next tick.
/// </summary>
internal sealed partial class ReservationReclaimService(
    IQuotaStore store,
    IOptions<KeyPoolOptions> options,
    TimeProvider timeProvider,
    ILogger<ReservationReclaimService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReservationReclaimInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                _ = await ReclaimOnceAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    /// <summary>Reclaims once; never throws except on cancellation.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many reservations were charged; 0 when the store failed.</returns>
    internal async Task<int> ReclaimOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var charged = await store.ReclaimExpiredReservationsAsync(cancellationToken).ConfigureAwait(false);
            if (charged > 0)
            {
                LogCharged(logger, charged);
            }

            return charged;
        }
#pragma warning disable CA1031 // A background loop must survive any store failure; it is logged and retried next tick.
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            LogReclaimFailed(logger, ex);
            return 0;
        }
    }

    [LoggerMessage(1101, LogLevel.Information, "Charged {Count} expired quota reservation(s) at their reserved estimate")]
    private static partial void LogCharged(ILogger logger, int count);

    [LoggerMessage(1102, LogLevel.Warning, "Reclaiming expired quota reservations failed; trying again at the next interval")]
    private static partial void LogReclaimFailed(ILogger logger, Exception exception);
}
