using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk;

/// <summary>
/// The SDK's options, bound from the <c>InvoiceOcr</c> configuration section by convention and validated when the host
/// starts. Each feature's options are a nested object (<c>InvoiceOcr:Gemini:Model</c>, <c>InvoiceOcr:Retry:MaxRetries</c>, …)
/// and are also available on their own as <c>IOptions&lt;GeminiOptions&gt;</c> and so on.
/// </summary>
public sealed class InvoiceOcrOptions
{
    /// <summary>The configuration section name the samples bind from.</summary>
    public const string SectionName = "InvoiceOcr";

    /// <summary>Gets or sets how a PDF's embedded e-invoice XML is used.</summary>
    /// <value>The default value is <see cref="EInvoiceMode.EmbeddedFirst"/>: read the XML with no model call when there is one.</value>
    public EInvoiceMode EInvoiceMode { get; set; } = EInvoiceMode.EmbeddedFirst;

    /// <summary>Gets the document intake limits.</summary>
    [ValidateObjectMembers]
    public DocumentOptions Documents { get; } = new();

    /// <summary>Gets the Gemini REST client's options (base address, model, inline limit, output cap).</summary>
    [ValidateObjectMembers]
    public GeminiOptions Gemini { get; } = new();

    /// <summary>Gets the key pool's options (reservation time to live, fallback keys, threshold callback).</summary>
    [ValidateObjectMembers]
    public KeyPoolOptions KeyPool { get; } = new();

    /// <summary>Gets the retry, circuit breaker and timeout options.</summary>
    [ValidateObjectMembers]
    public RetryOptions Retry { get; } = new();

    /// <summary>Gets the validation rules' tolerances.</summary>
    [ValidateObjectMembers]
    public InvoiceValidationOptions Validation { get; } = new();

    /// <summary>Gets the price table every billed call is costed with (Google's dated list prices by default).</summary>
    [ValidateObjectMembers]
    public PricingOptions Pricing { get; } = new();

    /// <summary>Gets the companies' monthly budgets in money (none by default).</summary>
    public BudgetOptions Budgets { get; } = new();
}
