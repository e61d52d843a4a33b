using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk;

/// <summary>
/// The price table the SDK costs every billed call with (<c>InvoiceOcr:Pricing</c>). It starts with Google's published
/// list prices of the models the SDK knows, dated <see cref="GeminiListPrices.AsOf"/>; prices change, so override a model
/// (or add one) in configuration, for example <c>InvoiceOcr:Pricing:Models:gemini-2.5-flash:Standard:InputText = 0.30</c>.
/// Validated when the host starts.
/// </summary>
public sealed class PricingOptions
{
    /// <summary>Gets or sets the ISO 4217 currency every price is in and every cost is recorded in.</summary>
    /// <value>The default value is <c>USD</c>, the currency of Google's list prices.</value>
    [Required]
    [RegularExpression("^[A-Z]{3}$", ErrorMessage = "Pricing:Currency must be an ISO 4217 code such as 'USD'.")]
    public string Currency { get; set; } = GeminiListPrices.Currency;

    /// <summary>Gets or sets the day the prices were read from the provider's price page (shown with reports, never used in arithmetic).</summary>
    /// <value>The default value is <see cref="GeminiListPrices.AsOf"/>.</value>
    public DateOnly PricesAsOf { get; set; } = GeminiListPrices.AsOf;

    /// <summary>
    /// Gets the prices per model id (case-insensitive). A call is priced by the longest id here that its model id starts
    /// with, so <c>gemini-2.5-flash</c> prices <c>gemini-2.5-flash-001</c> and <c>gemini-2.5-flash-lite</c> keeps its own row.
    /// A call whose model has no row is recorded without a cost.
    /// </summary>
    public Dictionary<string, ModelPrice> Models { get; } = GeminiListPrices.Create();
}
