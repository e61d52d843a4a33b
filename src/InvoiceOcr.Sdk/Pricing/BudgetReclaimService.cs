using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Pricing;

/// <summary>
/// Closes lost budget reservations: every <see cref="KeyPoolOptions.ReservationReclaimInterval"/> (on the
/// <see cref="TimeProvider"/>) it calls <see cref="IBudgetStore.ReclaimExpiredBudgetReservationsAsync"/>, so the money held
/// by an attempt whose process died between reserve and settle stops holding the company's month forever. The rule is the
/// token reservations' (<c>ReservationReclaimService</c>): once its time to live has passed, an expired reservation is
/// charged at its reserved amount, because the attempt may have reached Google and been billed; it is never handed back
/// as headroom. Several instances may run it against one store: each reservation is charged once, atomically. A failing
/// store is logged and tried again next tick.
/// </summary>
internal sealed partial class BudgetReclaimService(
    IBudgetStore store,
    IOptions<KeyPoolOptions> options,
    TimeProvider timeProvider,
    ILogger<BudgetReclaimService> logger) : BackgroundService
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

    /// <summary>Charges every expired budget reservation once; never throws except on cancellation.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many reservations were charged; 0 when the store failed.</returns>
    internal async Task<int> ReclaimOnceAsync(CancellationToken cancellationToken)
    {
        try
        {
            var charged = await store.ReclaimExpiredBudgetReservationsAsync(timeProvider.GetUtcNow(), cancellationToken).ConfigureAwait(false);
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

    [LoggerMessage(1105, LogLevel.Warning, "Charged {Count} expired budget reservation(s) at their reserved amount: their attempts' processes stopped before settling, and the calls may have been billed")]
    private static partial void LogCharged(ILogger logger, int count);

    [LoggerMessage(1106, LogLevel.Warning, "Reclaiming expired budget reservations failed; trying again at the next interval")]
    private static partial void LogReclaimFailed(ILogger logger, Exception exception);
}
