namespace InvoiceOcr.Sdk;

/// <summary>The outcome of a successful extraction.</summary>
public sealed record InvoiceExtractionResult
{
    /// <summary>Gets the extracted invoice. <see cref="Invoice.Source"/> says whether it came from the model or embedded XML.</summary>
    public required Invoice Invoice { get; init; }

    /// <summary>Gets what validation found; an empty list means every check passed.</summary>
    public required IReadOnlyList<ValidationFinding> Findings { get; init; }

    /// <summary>Gets the billed usage of the successful call; <see cref="TokenUsage.None"/> for an embedded e-invoice.</summary>
    public required TokenUsage Usage { get; init; }

    /// <summary>Gets the model asked; <see langword="null"/> when no model was called.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the model version the service reported.</summary>
    public string? ModelVersion { get; init; }

    /// <summary>Gets the service's response id.</summary>
    public string? ResponseId { get; init; }

    /// <summary>Gets how many model calls were attempted; 0 for an embedded e-invoice.</summary>
    public int Attempts { get; init; }

    /// <summary>Gets the id (never the secret) of the key that served the call.</summary>
    public string? KeyId { get; init; }

    /// <summary>Gets how long the extraction took.</summary>
    public TimeSpan Duration { get; init; }

    /// <summary>Gets the SDK's id of this extraction; usage records carry it.</summary>
    public required string OperationId { get; init; }

    /// <summary>Gets the detected document type.</summary>
    public DocumentKind DocumentKind { get; init; }

    /// <summary>Gets the page count of a PDF; <see langword="null"/> for images.</summary>
    public int? PageCount { get; init; }

    /// <summary>Gets the document's SHA-256 (lowercase hex).</summary>
    public string? DocumentSha256 { get; init; }

    /// <summary>
    /// Gets a value indicating whether this is the stored result of an earlier extraction with the same
    /// <see cref="ExtractionContext.IdempotencyKey"/>, returned without calling the model again.
    /// </summary>
    public bool IsReplay { get; init; }

    /// <summary>
    /// Gets whether this result was served from the result cache (InvoiceOcr.Sdk.Caching) instead of a model call, and why;
    /// <see cref="ExtractionCacheStatus.None"/> when the document was extracted by this call.
    /// </summary>
    public ExtractionCacheStatus CacheStatus { get; init; }

    /// <summary>Gets a value indicating whether any finding is an error.</summary>
    public bool HasErrors => Findings.Any(f => f.Severity == ValidationSeverity.Error);
}
