namespace InvoiceOcr.Sdk;

/// <summary>Whether an <see cref="InvoiceExtractionResult"/> came from the result cache (package InvoiceOcr.Sdk.Caching), and why.</summary>
public enum ExtractionCacheStatus
{
    /// <summary>Not served from the cache: the document was extracted by this call (or no cache is registered).</summary>
    None = 0,

    /// <summary>
    /// Served from the cache: the same company extracted the same document with the same model, prompt and schema before.
    /// No model call was made and nothing was billed; <see cref="InvoiceExtractionResult.Usage"/> is the usage of the call that filled the cache.
    /// </summary>
    Hit,

    /// <summary>
    /// Served from the cache because the company's quota refused a new model call (the company opted into the quota fallback);
    /// no model call was made and nothing was billed.
    /// </summary>
    QuotaFallback,
}
