namespace InvoiceOcr.Sdk;

/// <summary>
/// Holds each company's monthly spend in money, as whole billionths of the currency unit (<see cref="UsageCost.ToNanos"/>),
/// so every sum is exact in every store. Every method is one atomic operation (one write transaction in a database), so
/// concurrent callers in any number of processes can never together pass a limit. Settling or releasing a reservation
/// twice is a no-op.
/// </summary>
public interface IBudgetStore
{
    /// <summary>
    /// Atomically reserves <see cref="BudgetReservationRequest.Nanos"/> in the company's month when the month's spent
    /// plus reserved plus the request stays within <see cref="BudgetReservationRequest.LimitNanos"/> (always, without a limit).
    /// </summary>
    /// <param name="request">What to reserve.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>Whether it was reserved, and the month's totals after the decision.</returns>
    Task<BudgetReservationResult> ReserveBudgetAsync(BudgetReservationRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// Settles a reservation with the billed cost: its month's spent grows by <paramref name="actualNanos"/> and its
    /// reserved shrinks by the reservation. Use the reservation's own amount to charge a call whose outcome is unknown.
    /// </summary>
    /// <param name="reservationId">The reservation.</param>
    /// <param name="actualNanos">The billed cost (0 for a call that was not billed).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The month's totals after settling, or <see langword="null"/> when the reservation is unknown or already settled.</returns>
    Task<BudgetMonthUsage?> SettleBudgetAsync(string reservationId, long actualNanos, CancellationToken cancellationToken);

    /// <summary>Gets a company's month (zeros when nothing was spent).</summary>
    /// <param name="companyId">The company.</param>
    /// <param name="month">The month's first day (UTC).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The month's totals.</returns>
    Task<BudgetMonthUsage> GetBudgetMonthAsync(string companyId, DateOnly month, CancellationToken cancellationToken);

    /// <summary>Charges every budget reservation whose expiry has passed at its reserved amount (a caller died between reserve and settle).</summary>
    /// <param name="now">The current time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many were charged.</returns>
    Task<int> ReclaimExpiredBudgetReservationsAsync(DateTimeOffset now, CancellationToken cancellationToken);
}

/// <summary>A budget reservation to make.</summary>
/// <param name="ReservationId">The reservation's id (unique; chosen by the caller).</param>
/// <param name="CompanyId">The company.</param>
/// <param name="Month">The month's first day (UTC).</param>
/// <param name="Nanos">The amount to reserve, in billionths.</param>
/// <param name="LimitNanos">The month's hard limit in billionths, or <see langword="null"/> for none.</param>
/// <param name="ExpiresAt">When the reservation may be charged at its amount by <see cref="IBudgetStore.ReclaimExpiredBudgetReservationsAsync"/>.</param>
public sealed record BudgetReservationRequest(string ReservationId, string CompanyId, DateOnly Month, long Nanos, long? LimitNanos, DateTimeOffset ExpiresAt);

/// <summary>The answer to <see cref="IBudgetStore.ReserveBudgetAsync"/>.</summary>
/// <param name="Reserved">Whether the amount was reserved.</param>
/// <param name="Usage">The month's totals after the decision.</param>
public sealed record BudgetReservationResult(bool Reserved, BudgetMonthUsage Usage);

/// <summary>A company's month of spend, in billionths of the currency unit.</summary>
/// <param name="SpentNanos">Settled spend.</param>
/// <param name="ReservedNanos">Spend held by calls in flight.</param>
public readonly record struct BudgetMonthUsage(long SpentNanos, long ReservedNanos)
{
    /// <summary>Gets settled plus reserved spend, in billionths.</summary>
    public long CommittedNanos => SpentNanos + ReservedNanos;
}
