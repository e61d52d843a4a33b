using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.ConsoleApp.Extraction;

/// <summary>What happened to one input file: a result or a typed error.</summary>
internal sealed record DocumentOutcome
{
    /// <summary>Gets the file as the user named it (relative when it is below the working folder).</summary>
    public required string File { get; init; }

    /// <summary>Gets the e-invoice mode the document was extracted with.</summary>
    public EInvoiceMode Mode { get; init; }

    /// <summary>Gets the result when the extraction succeeded.</summary>
    public InvoiceExtractionResult? Result { get; init; }

    /// <summary>Gets the error when it failed.</summary>
    public DocumentError? Error { get; init; }

    public bool Succeeded => Result is not null;
}

/// <summary>A failed document's error: the SDK's error kind (and rejection reason for a bad file) and its message.</summary>
/// <param name="Kind">The SDK's <see cref="InvoiceOcrErrorKind"/>.</param>
/// <param name="Message">The error message (secrets never appear in it).</param>
internal sealed record DocumentError(InvoiceOcrErrorKind Kind, string Message)
{
    /// <summary>Gets why the document was rejected, for <see cref="InvoiceOcrErrorKind.InvalidDocument"/>.</summary>
    public DocumentRejectionReason? Reason { get; init; }

    /// <summary>Gets a value indicating whether trying again later can succeed.</summary>
    public bool IsTransient { get; init; }

    /// <summary>Gets how long to wait before trying again, when the service or quota said.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Gets the billed usage of a failed call the service still charged for.</summary>
    public TokenUsage? BilledUsage { get; init; }

    public static DocumentError From(InvoiceOcrException exception, Func<string?, string> redact) => new(exception.Kind, redact(exception.Message))
    {
        Reason = (exception as InvalidDocumentException)?.Reason,
        IsTransient = exception.IsTransient,
        RetryAfter = exception.RetryAfter,
        BilledUsage = exception.BilledUsage,
    };
}
