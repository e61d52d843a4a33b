namespace InvoiceOcr.Sdk;

/// <summary>How the SDK uses a structured e-invoice (Factur-X / ZUGFeRD / XRechnung CII or UBL) embedded in a PDF.</summary>
/// <remarks>
/// Where the printed page and the embedded XML disagree, the XML is what the seller legally issued (the structured
/// part of a hybrid e-invoice is the invoice for tax purposes under EN 16931 and the German and French e-invoicing
/// rules); the page is only a human-readable view of it.
/// </remarks>
public enum EInvoiceMode
{
    /// <summary>Read the embedded XML when there is one (no model call, zero tokens, nothing reserved or billed); otherwise call the model.</summary>
    EmbeddedFirst,

    /// <summary>Read only the embedded XML; a PDF without one yields no invoice and the model is never called.</summary>
    EmbeddedOnly,

    /// <summary>Always call the model, ignoring any embedded XML (for example to compare the page with the XML).</summary>
    ModelOnly,
}
