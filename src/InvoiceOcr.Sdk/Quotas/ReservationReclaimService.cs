using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Quotas;

/// <summary>
/// Returns lost reservations: every <see cref="KeyPoolOptions.ReservationReclaimInterval"/> (on the <see cref="TimeProvider"/>)
/// it calls <see cref="IQuotaStore.ReclaimExpiredReservationsAsync"/>, so tokens held by a caller that died between reserve
/// and settle go back to the windows and the lifetime headroom once their time to live has passed. Several instances may
/// run it against one store: reclaiming is atomic and idempotent. A failing store is logged and tried again next tick.
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
    /// <returns>How many reservations were returned; 0 when the store failed.</returns>
    internal async Task<int> ReclaimOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var reclaimed = await store.ReclaimExpiredReservationsAsync(cancellationToken).ConfigureAwait(false);
            if (reclaimed > 0)
            {
                LogReclaimed(logger, reclaimed);
            }

            return reclaimed;
        }
#pragma warning disable CA1031 // A background loop must survive any store failure; it is logged and retried next tick.
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            LogReclaimFailed(logger, ex);
            return 0;
        }
    }

    [LoggerMessage(1101, LogLevel.Information, "Reclaimed {Count} expired quota reservation(s)")]
    private static partial void LogReclaimed(ILogger logger, int count);

    [LoggerMessage(1102, LogLevel.Warning, "Reclaiming expired quota reservations failed; trying again at the next interval")]
    private static partial void LogReclaimFailed(ILogger logger, Exception exception);
}
