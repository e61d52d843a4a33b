namespace InvoiceOcr.Sdk;

/// <summary>
/// Extracts a typed, validated <see cref="Invoice"/> from a PDF or image. Resolve it from DI after
/// <c>services.AddInvoiceOcr(...)</c>; it is thread-safe and meant to be shared.
/// </summary>
public interface IInvoiceExtractor
{
    /// <summary>
    /// Checks the document, reads an embedded e-invoice when there is one (no model call, zero tokens), otherwise calls
    /// the model with one of the company's keys under its quotas, retrying and failing over as needed, records the
    /// billed usage, and validates the invoice. With an <see cref="ExtractionContext.IdempotencyKey"/>, a replay of an
    /// extraction that already succeeded makes no model call (see that property).
    /// </summary>
    /// <param name="document">The invoice file.</param>
    /// <param name="context">Who is asking: the company (required), user, branch and optional idempotency key.</param>
    /// <param name="cancellationToken">Cancels the extraction.</param>
    /// <returns>The invoice with its findings, usage and bookkeeping.</returns>
    /// <exception cref="InvalidDocumentException">The document was rejected before any model call.</exception>
    /// <exception cref="InvoiceOcrException">The extraction failed; <see cref="InvoiceOcrException.Kind"/> says why.</exception>
    Task<InvoiceExtractionResult> ExtractAsync(InvoiceDocument document, ExtractionContext context, CancellationToken cancellationToken = default);
}
