using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.WebApi.Extraction;

/// <summary>
/// The body of a successful <c>POST /extract</c>: the invoice, what validation found, the billed usage and bookkeeping.
/// It never names the key that paid: key ids are the operator's business (the admin API shows them), not the tenant's.
/// </summary>
public sealed record ExtractionResponse
{
    /// <summary>Gets the SDK's id of this extraction; usage records and retry attempts carry it.</summary>
    public required string OperationId { get; init; }

    /// <summary>Gets the extracted invoice.</summary>
    public required Invoice Invoice { get; init; }

    /// <summary>Gets what validation found; empty when every check passed.</summary>
    public required IReadOnlyList<ValidationFinding> Findings { get; init; }

    /// <summary>Gets a value indicating whether any finding is an error.</summary>
    public bool HasErrors { get; init; }

    /// <summary>Gets the billed usage (all zero for an embedded e-invoice).</summary>
    public required UsageView Usage { get; init; }

    /// <summary>Gets the model asked, if any.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the model version the service reported.</summary>
    public string? ModelVersion { get; init; }

    /// <summary>Gets the service's response id.</summary>
    public string? ResponseId { get; init; }

    /// <summary>Gets how many model calls were made.</summary>
    public int Attempts { get; init; }

    /// <summary>Gets how long the extraction took, in milliseconds.</summary>
    public long DurationMs { get; init; }

    /// <summary>Gets the detected document type.</summary>
    public DocumentKind DocumentKind { get; init; }

    /// <summary>Gets the page count of a PDF.</summary>
    public int? PageCount { get; init; }

    /// <summary>Gets the document's SHA-256 (lowercase hex).</summary>
    public string? DocumentSha256 { get; init; }

    internal static ExtractionResponse From(InvoiceExtractionResult result) => new()
    {
        OperationId = result.OperationId,
        Invoice = result.Invoice,
        Findings = result.Findings,
        HasErrors = result.HasErrors,
        Usage = UsageView.From(result.Usage),
        Model = result.Model,
        ModelVersion = result.ModelVersion,
        ResponseId = result.ResponseId,
        Attempts = result.Attempts,
        DurationMs = (long)result.Duration.TotalMilliseconds,
        DocumentKind = result.DocumentKind,
        PageCount = result.PageCount,
        DocumentSha256 = result.DocumentSha256,
    };
}

/// <summary>Token counts of one extraction, as billed.</summary>
/// <param name="InputTokens">Prompt tokens.</param>
/// <param name="OutputTokens">Answer tokens.</param>
/// <param name="ThoughtsTokens">Thinking tokens (billed as output).</param>
/// <param name="CachedTokens">Prompt tokens served from the cache.</param>
/// <param name="DocumentTokens">Prompt tokens spent on document pages.</param>
/// <param name="ImageTokens">Prompt tokens spent on images.</param>
/// <param name="TotalTokens">All billed tokens.</param>
public sealed record UsageView(int InputTokens, int OutputTokens, int ThoughtsTokens, int CachedTokens, int DocumentTokens, int ImageTokens, int TotalTokens)
{
    internal static UsageView From(TokenUsage usage) => new(
        usage.InputTokens, usage.OutputTokens, usage.ThoughtsTokens, usage.CachedTokens, usage.DocumentTokens, usage.ImageTokens, usage.TotalTokens);
}
