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
    ILogger<ReservationReclaimService> logger) : PeriodicReclaimService(options, timeProvider)
{
    protected override Task<int> ReclaimAsync(CancellationToken cancellationToken) => store.ReclaimExpiredReservationsAsync(cancellationToken);

    protected override void OnCharged(int count) => LogCharged(logger, count);

    protected override void OnFailed(Exception exception) => LogReclaimFailed(logger, exception);

    [LoggerMessage(1101, LogLevel.Information, "Charged {Count} expired quota reservation(s) at their reserved estimate")]
    private static partial void LogCharged(ILogger logger, int count);

    [LoggerMessage(1102, LogLevel.Warning, "Reclaiming expired quota reservations failed; trying again at the next interval")]
    private static partial void LogReclaimFailed(ILogger logger, Exception exception);
}
