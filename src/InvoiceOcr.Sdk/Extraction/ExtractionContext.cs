namespace InvoiceOcr.Sdk;

/// <summary>Who is asking for an extraction. The company decides which keys and quotas apply; all fields are recorded with the usage.</summary>
public sealed record ExtractionContext
{
    /// <summary>Creates a context for a company.</summary>
    /// <param name="companyId">The company whose keys pay for the call. Required.</param>
    public ExtractionContext(string companyId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(companyId);
        CompanyId = companyId;
    }

    /// <summary>Gets the company whose key pool and quotas serve the call.</summary>
    public string CompanyId { get; }

    /// <summary>Gets the user who asked, recorded with the usage.</summary>
    public string? RequestedBy { get; init; }

    /// <summary>Gets the branch the call is made for, recorded with the usage.</summary>
    public string? Branch { get; init; }

    /// <summary>
    /// Gets an optional idempotency key. Two calls with the same key for the same company are the same
    /// operation: the usage ledger records one billed call, never two, and once the first has succeeded a replay makes
    /// no model call. It returns the first result (<see cref="InvoiceExtractionResult.IsReplay"/>) while that is held in
    /// process, or fails with <see cref="InvoiceOcrErrorKind.DuplicateOperation"/> when only the ledger remembers it; a
    /// replay with another document fails with <see cref="InvoiceOcrErrorKind.BadRequest"/>. Use one key per document.
    /// </summary>
    public string? IdempotencyKey { get; init; }
}
