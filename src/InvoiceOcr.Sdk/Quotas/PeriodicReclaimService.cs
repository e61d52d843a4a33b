using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Quotas;

/// <summary>
/// The loop both reclaim services share: every <see cref="KeyPoolOptions.ReservationReclaimInterval"/> (on the
/// <see cref="TimeProvider"/>) it charges what expired once, and survives any store failure (logged by the derived
/// service, tried again at the next tick). What is reclaimed, and how it is logged, is the derived service's.
/// </summary>
internal abstract class PeriodicReclaimService(IOptions<KeyPoolOptions> options, TimeProvider timeProvider) : BackgroundService
{
    /// <summary>Gets the clock the loop and the reclaim read.</summary>
    protected TimeProvider TimeProvider { get; } = timeProvider;

    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReservationReclaimInterval, TimeProvider);
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
            var charged = await ReclaimAsync(cancellationToken).ConfigureAwait(false);
            if (charged > 0)
            {
                OnCharged(charged);
            }

            return charged;
        }
#pragma warning disable CA1031 // A background loop must survive any store failure; it is logged and retried next tick.
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            OnFailed(ex);
            return 0;
        }
    }

    /// <summary>Charges every expired reservation once, in the store.</summary>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many were charged.</returns>
    protected abstract Task<int> ReclaimAsync(CancellationToken cancellationToken);

    /// <summary>Logs a pass that charged reservations.</summary>
    /// <param name="count">How many.</param>
    protected abstract void OnCharged(int count);

    /// <summary>Logs a pass the store failed.</summary>
    /// <param name="exception">The failure.</param>
    protected abstract void OnFailed(Exception exception);
}
