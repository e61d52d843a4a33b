namespace InvoiceOcr.Sdk;

/// <content>Monthly budgets in money (<see cref="IBudgetStore"/>), under the store's one lock.</content>
public sealed partial class InMemoryInvoiceOcrStore : IBudgetStore
{
    private readonly Dictionary<(string CompanyId, DateOnly Month), BudgetMonthUsage> _budgetMonths = [];
    private readonly Dictionary<string, BudgetReservationRequest> _budgetReservations = new(StringComparer.Ordinal);

    /// <inheritdoc />
    public Task<BudgetReservationResult> ReserveBudgetAsync(BudgetReservationRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentOutOfRangeException.ThrowIfNegative(request.Nanos);
        lock (_gate)
        {
            var key = (request.CompanyId, request.Month);
            var month = _budgetMonths.GetValueOrDefault(key);
            if (request.LimitNanos is { } limit && month.CommittedNanos + request.Nanos > limit)
            {
                return Task.FromResult(new BudgetReservationResult(false, month));
            }

            if (!_budgetReservations.TryAdd(request.ReservationId, request))
            {
                throw new InvalidOperationException("The budget reservation id is already in use.");
            }

            month = month with { ReservedNanos = month.ReservedNanos + request.Nanos };
            _budgetMonths[key] = month;
            return Task.FromResult(new BudgetReservationResult(true, month));
        }
    }

    /// <inheritdoc />
    public Task<BudgetMonthUsage?> SettleBudgetAsync(string reservationId, long actualNanos, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reservationId);
        ArgumentOutOfRangeException.ThrowIfNegative(actualNanos);
        lock (_gate)
        {
            return Task.FromResult(SettleBudgetLocked(reservationId, actualNanos));
        }
    }

    /// <inheritdoc />
    public Task<BudgetMonthUsage> GetBudgetMonthAsync(string companyId, DateOnly month, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(companyId);
        lock (_gate)
        {
            return Task.FromResult(_budgetMonths.GetValueOrDefault((companyId, month)));
        }
    }

    /// <inheritdoc />
    public Task<int> ReclaimExpiredBudgetReservationsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var expired = _budgetReservations.Values.Where(r => r.ExpiresAt <= now).ToList();
            foreach (var r in expired)
            {
                SettleBudgetLocked(r.ReservationId, r.Nanos);
            }

            return Task.FromResult(expired.Count);
        }
    }

    private BudgetMonthUsage? SettleBudgetLocked(string reservationId, long actualNanos)
    {
        if (!_budgetReservations.Remove(reservationId, out var held))
        {
            return null;
        }

        var key = (held.CompanyId, held.Month);
        var month = _budgetMonths.GetValueOrDefault(key);
        month = new BudgetMonthUsage(month.SpentNanos + actualNanos, Math.Max(0, month.ReservedNanos - held.Nanos));
        _budgetMonths[key] = month;
        return month;
    }
}
