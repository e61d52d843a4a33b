using InvoiceOcr.Sdk.Quotas;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Pricing;

/// <summary>
/// Closes lost budget reservations: every <see cref="KeyPoolOptions.ReservationReclaimInterval"/> (on the
/// <see cref="TimeProvider"/>) it calls <see cref="IBudgetStore.ReclaimExpiredBudgetReservationsAsync"/>, so the money held
/// by an attempt whose process died between reserve and settle stops holding the company's month forever. The rule is the
/// token reservations' (<see cref="ReservationReclaimService"/>, the same loop): once its time to live has passed, an
/// expired reservation is charged at its reserved amount, because the attempt may have reached Google and been billed; it
/// is never handed back as headroom. Several instances may run it against one store: each reservation is charged once,
/// atomically. A failing store is logged and tried again next tick.
/// </summary>
internal sealed partial class BudgetReclaimService(
    IBudgetStore store,
    IOptions<KeyPoolOptions> options,
    TimeProvider timeProvider,
    ILogger<BudgetReclaimService> logger) : PeriodicReclaimService(options, timeProvider)
{
    protected override Task<int> ReclaimAsync(CancellationToken cancellationToken) =>
        store.ReclaimExpiredBudgetReservationsAsync(TimeProvider.GetUtcNow(), cancellationToken);

    protected override void OnCharged(int count) => LogCharged(logger, count);

    protected override void OnFailed(Exception exception) => LogReclaimFailed(logger, exception);

    [LoggerMessage(1105, LogLevel.Warning, "Charged {Count} expired budget reservation(s) at their reserved amount: their attempts' processes stopped before settling, and the calls may have been billed")]
    private static partial void LogCharged(ILogger logger, int count);

    [LoggerMessage(1106, LogLevel.Warning, "Reclaiming expired budget reservations failed; trying again at the next interval")]
    private static partial void LogReclaimFailed(ILogger logger, Exception exception);
}
