using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk;

/// <summary>Options of the <see cref="InvoiceValidator"/>.</summary>
public sealed class InvoiceValidationOptions
{
    /// <summary>Gets or sets the largest difference between two amounts that still counts as equal (rounding).</summary>
    /// <value>The default value is 0.02.</value>
    [Range(typeof(decimal), "0", "1000", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true)]
    public decimal AmountTolerance { get; set; } = 0.02m;

    /// <summary>Gets or sets the extra tolerance added per summed line, because each printed line amount is rounded.</summary>
    /// <value>The default value is 0.01.</value>
    [Range(typeof(decimal), "0", "1", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true)]
    public decimal PerLineTolerance { get; set; } = 0.01m;

    /// <summary>Gets or sets the earliest plausible year of any date on an invoice.</summary>
    /// <value>The default value is 1990.</value>
    [Range(1900, 2100)]
    public int MinimumYear { get; set; } = 1990;

    /// <summary>Gets or sets how many years after today a date (due date, period end) may lie before it is implausible.</summary>
    /// <value>The default value is 10.</value>
    [Range(0, 100)]
    public int MaximumYearsAhead { get; set; } = 10;

    /// <summary>Gets or sets how many days after today (UTC) the invoice date may lie, allowing for time zones and pre-dated invoices.</summary>
    /// <value>The default value is 2.</value>
    [Range(0, 3650)]
    public int MaximumInvoiceDateDaysAhead { get; set; } = 2;
}
