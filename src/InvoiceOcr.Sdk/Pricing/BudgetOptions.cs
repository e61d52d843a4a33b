namespace InvoiceOcr.Sdk;

/// <summary>
/// Monthly budgets in money per company (<c>InvoiceOcr:Budgets:Companies:{companyId}</c>), in the price table's currency
/// (<see cref="PricingOptions.Currency"/>). A month is a calendar month in UTC. Every model attempt of a company with a
/// budget reserves its maximum cost in the store before the request is sent and settles to the billed cost afterwards,
/// so concurrent callers in any number of processes sharing one store never together pass a hard limit.
/// </summary>
public sealed class BudgetOptions
{
    /// <summary>Gets the budgets by company id (ordinal). A company without an entry has no budget.</summary>
    public Dictionary<string, CompanyBudget> Companies { get; } = new(StringComparer.Ordinal);
}

/// <summary>One company's monthly budget.</summary>
public sealed class CompanyBudget
{
    /// <summary>
    /// Gets or sets the hard limit: an attempt whose maximum cost would take the month's spend (settled plus reserved)
    /// past it is refused with <see cref="InvoiceOcrErrorKind.BudgetExceeded"/>.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no hard limit.</value>
    public decimal? MonthlyHardLimit { get; set; }

    /// <summary>
    /// Gets or sets the soft limit: when the month's spend passes it, the SDK logs a warning and counts
    /// <c>invoiceocr.budget.soft_limit_exceeded</c>, and the call goes on.
    /// </summary>
    /// <value>The default value is <see langword="null"/>: no soft limit.</value>
    public decimal? MonthlySoftLimit { get; set; }
}
