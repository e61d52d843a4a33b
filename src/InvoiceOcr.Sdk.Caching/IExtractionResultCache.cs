namespace InvoiceOcr.Sdk.Caching;

/// <summary>
/// Invalidates cached extraction results (registered by <c>AddResultCache</c>). Invalidation reaches every instance that shares
/// the Redis second level; an instance's in-process level honours it on its next lookup.
/// </summary>
public interface IExtractionResultCache
{
    /// <summary>Removes every cached result of a company.</summary>
    /// <param name="companyId">The company.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the results are invalidated.</returns>
    ValueTask InvalidateCompanyAsync(string companyId, CancellationToken cancellationToken = default);

    /// <summary>Removes a company's cached results of one document, under every model and prompt version.</summary>
    /// <param name="companyId">The company.</param>
    /// <param name="documentSha256">The document's SHA-256, lowercase hex (<see cref="InvoiceExtractionResult.DocumentSha256"/>).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the results are invalidated.</returns>
    ValueTask InvalidateDocumentAsync(string companyId, string documentSha256, CancellationToken cancellationToken = default);
}
