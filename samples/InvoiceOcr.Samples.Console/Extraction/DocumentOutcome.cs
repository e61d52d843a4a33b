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

    /// <summary>
    /// Gets a value indicating whether the bundled emulator had no answer for this document (simulated runs only): the
    /// model call "succeeded" with the emulator's empty reply, so the invoice is empty and says nothing about the file.
    /// </summary>
    public bool NoAnswer { get; init; }

    public bool Succeeded => Result is not null;

    /// <summary>Gets what the document amounts to: a usable invoice, an invalid one, no emulator answer, or a failure.</summary>
    public DocumentStatus Status => Error is not null ? DocumentStatus.Failed
        : NoAnswer ? DocumentStatus.NoAnswer
        : Result!.HasErrors ? DocumentStatus.Invalid
        : DocumentStatus.Ok;
}

/// <summary>What one document amounts to; the exit code follows from the batch's statuses (see <see cref="Cli.ExitCodes"/>).</summary>
internal enum DocumentStatus
{
    /// <summary>Extracted, with no Error-severity finding (warnings are fine).</summary>
    Ok,

    /// <summary>Extracted, but the validator reported at least one Error-severity finding: do not book it unchecked.</summary>
    Invalid,

    /// <summary>Simulated run: the bundled emulator had no answer for the file (not an e-invoice PDF, no canned answer).</summary>
    NoAnswer,

    /// <summary>The extraction failed with a typed SDK error.</summary>
    Failed,
}

/// <summary>The status names used in JSON and CSV.</summary>
internal static class DocumentStatusNames
{
    public static string ToName(DocumentStatus status) => status switch
    {
        DocumentStatus.Invalid => "invalid",
        DocumentStatus.NoAnswer => "noAnswer",
        DocumentStatus.Failed => "failed",
        _ => "ok",
    };
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
