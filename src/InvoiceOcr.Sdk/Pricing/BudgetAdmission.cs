using System.Diagnostics.Metrics;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Pricing;

/// <summary>
/// The company's monthly budget in money, as one step before each attempt and one after it: reserve the attempt's maximum
/// cost (<see cref="PriceTable.MaximumCost"/>) in <see cref="IBudgetStore"/> atomically against the hard limit, then settle
/// to the billed cost, release an attempt that was not billed, or charge the reservation for an attempt whose outcome is
/// unknown, exactly as the key pool treats token reservations. Kept apart from the token quota (<c>QuotaAdmission</c>):
/// budgets are per company and in money; quotas are per key and project and in tokens.
/// </summary>
internal sealed partial class BudgetAdmission
{
    /// <summary>The name of the counter of attempts that found a company's month past its soft limit.</summary>
    public const string SoftLimitInstrument = "invoiceocr.budget.soft_limit_exceeded";

    /// <summary>The name of the counter of attempts refused by a hard limit.</summary>
    public const string HardLimitInstrument = "invoiceocr.budget.refusals";

    private readonly IBudgetStore _store;
    private readonly PriceTable _prices;
    private readonly IOptionsMonitor<BudgetOptions> _budgets;
    private readonly TimeSpan _timeToLive;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<BudgetAdmission> _logger;
    private readonly Counter<long> _softExceeded;
    private readonly Counter<long> _refusals;

    public BudgetAdmission(
        IBudgetStore store,
        PriceTable prices,
        IOptionsMonitor<BudgetOptions> budgets,
        IOptions<KeyPoolOptions> keyPool,
        TimeProvider timeProvider,
        IMeterFactory meterFactory,
        ILogger<BudgetAdmission> logger)
    {
        _store = store;
        _prices = prices;
        _budgets = budgets;
        _timeToLive = keyPool.Value.ReservationTimeToLive;
        _timeProvider = timeProvider;
        _logger = logger;
        var meter = meterFactory.Create(InvoiceOcrTelemetry.MeterName);
        _softExceeded = meter.CreateCounter<long>(SoftLimitInstrument, "{attempt}", "Attempts admitted while the company's month is past its soft budget.");
        _refusals = meter.CreateCounter<long>(HardLimitInstrument, "{attempt}", "Attempts refused by the company's hard monthly budget.");
    }

    /// <summary>Returns the first day (UTC) of the month an instant falls in: budgets are per calendar month in UTC.</summary>
    /// <param name="instant">The instant.</param>
    /// <returns>The month's first day.</returns>
    public static DateOnly MonthOf(DateTimeOffset instant) => new(instant.UtcDateTime.Year, instant.UtcDateTime.Month, 1);

    /// <summary>Formats an amount as the messages and logs show it: at least two decimals, at most nine.</summary>
    /// <param name="amount">The amount.</param>
    /// <returns>The text.</returns>
    public static string Format(decimal amount) => amount.ToString("0.00#######", CultureInfo.InvariantCulture);

    /// <summary>
    /// Reserves an attempt's maximum cost when the company has a budget.
    /// </summary>
    /// <param name="companyId">The company.</param>
    /// <param name="model">The model.</param>
    /// <param name="promptTokens">The estimated prompt tokens.</param>
    /// <param name="maxOutputTokens">The output cap.</param>
    /// <param name="cancellationToken">Cancels the reservation.</param>
    /// <returns>The hold to settle, or <see langword="null"/> when the company has no budget or the model no price.</returns>
    /// <exception cref="InvoiceOcrException"><see cref="InvoiceOcrErrorKind.BudgetExceeded"/>: the hard limit has no room.</exception>
    public async ValueTask<BudgetHold?> ReserveAsync(string companyId, string model, long promptTokens, long maxOutputTokens, CancellationToken cancellationToken)
    {
        if (!_budgets.CurrentValue.Companies.TryGetValue(companyId, out var budget) || (budget.MonthlyHardLimit is null && budget.MonthlySoftLimit is null))
        {
            return null;
        }

        if (_prices.MaximumCost(model, promptTokens, maxOutputTokens) is not { } maximum)
        {
            LogUnpricedModel(_logger, companyId, model);
            return null;
        }

        var now = _timeProvider.GetUtcNow();
        var month = MonthOf(now);
        long? limit = budget.MonthlyHardLimit is { } hard ? UsageCost.ToNanos(hard) : null;
        var request = new BudgetReservationRequest("b-" + Guid.NewGuid().ToString("N"), companyId, month, UsageCost.ToNanos(maximum.Amount), limit, now + _timeToLive);
        var result = await _store.ReserveBudgetAsync(request, cancellationToken).ConfigureAwait(false);
        if (!result.Reserved)
        {
            _refusals.Add(1);
            var used = UsageCost.FromNanos(result.Usage.CommittedNanos);
            LogRefused(_logger, companyId, Format(budget.MonthlyHardLimit!.Value), Format(used), _prices.Currency);
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.BudgetExceeded,
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Your company's monthly AI budget of {Format(budget.MonthlyHardLimit.Value)} {_prices.Currency} for {month:yyyy-MM} (UTC) is used up: {Format(used)} {_prices.Currency} used so far, and this document could cost up to {Format(maximum.Amount)} {_prices.Currency}. Please contact your administrator to raise the budget, or try again next month."));
        }

        if (budget.MonthlySoftLimit is { } soft && result.Usage.CommittedNanos > UsageCost.ToNanos(soft))
        {
            _softExceeded.Add(1);
            LogSoftLimit(_logger, companyId, Format(soft), Format(UsageCost.FromNanos(result.Usage.CommittedNanos)), _prices.Currency);
        }

        return new BudgetHold(request.ReservationId, request.Nanos, model);
    }

    /// <summary>Settles a hold: to the billed usage's cost, to nothing for an attempt not billed, or to the reservation when unknown.</summary>
    /// <param name="hold">The hold.</param>
    /// <param name="billed">The billed usage, when the service reported one.</param>
    /// <param name="outcomeUnknown">Whether the request may have been billed with no answer read (charged at the reservation).</param>
    /// <returns>A task that completes when the store settled.</returns>
    public async Task SettleAsync(BudgetHold hold, TokenUsage? billed, bool outcomeUnknown)
    {
        ArgumentNullException.ThrowIfNull(hold);
        var nanos = billed is not null
            ? UsageCost.ToNanos(_prices.Cost(hold.Model, billed)?.Amount ?? 0)
            : outcomeUnknown ? hold.Nanos : 0;

        // Bookkeeping is not cancellable: the service may have billed the attempt.
        await _store.SettleBudgetAsync(hold.ReservationId, nanos, CancellationToken.None).ConfigureAwait(false);
    }

    [LoggerMessage(2101, LogLevel.Warning, "Company {CompanyId} is past its soft monthly budget of {Limit} {Currency}: {Used} {Currency} used this month")]
    private static partial void LogSoftLimit(ILogger logger, string companyId, string limit, string used, string currency);

    [LoggerMessage(2102, LogLevel.Warning, "Company {CompanyId} refused by its hard monthly budget of {Limit} {Currency}: {Used} {Currency} used this month")]
    private static partial void LogRefused(ILogger logger, string companyId, string limit, string used, string currency);

    [LoggerMessage(2103, LogLevel.Warning, "Company {CompanyId} has a budget but model {Model} has no price: the call is not counted against the budget")]
    private static partial void LogUnpricedModel(ILogger logger, string companyId, string model);
}

/// <summary>A budget reservation held for one attempt.</summary>
/// <param name="ReservationId">The store's reservation id.</param>
/// <param name="Nanos">The reserved maximum cost, in billionths.</param>
/// <param name="Model">The model the attempt calls.</param>
internal sealed record BudgetHold(string ReservationId, long Nanos, string Model);
