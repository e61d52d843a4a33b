namespace InvoiceOcr.Sdk;

/// <summary>Why a document was rejected before any model call.</summary>
public enum DocumentRejectionReason
{
    /// <summary>The document has no bytes.</summary>
    Empty,

    /// <summary>The document is larger than <c>InvoiceOcrOptions.Documents.MaxFileBytes</c>.</summary>
    TooLarge,

    /// <summary>The bytes are not a PDF, PNG, JPEG, WEBP, HEIC or HEIF file.</summary>
    UnsupportedType,

    /// <summary>The PDF is damaged and cannot be opened.</summary>
    Damaged,

    /// <summary>The PDF needs a user password to open.</summary>
    PasswordProtected,

    /// <summary>The PDF has no pages.</summary>
    NoPages,

    /// <summary>The PDF has more pages than <c>InvoiceOcrOptions.Documents.MaxPages</c>.</summary>
    TooManyPages,

    /// <summary>The image is damaged or its size cannot be read.</summary>
    DamagedImage,

    /// <summary><see cref="EInvoiceMode.EmbeddedOnly"/> was asked for and the document embeds no e-invoice XML.</summary>
    NoEmbeddedInvoice,
}

/// <summary>Thrown when a document is rejected at intake. No model call was made and nothing was billed.</summary>
public sealed class InvalidDocumentException : InvoiceOcrException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reason">Why the document was rejected.</param>
    /// <param name="message">A human-readable message naming the limit or the fault.</param>
    /// <param name="innerException">The parser's exception, if any.</param>
    public InvalidDocumentException(DocumentRejectionReason reason, string message, Exception? innerException = null)
        : base(InvoiceOcrErrorKind.InvalidDocument, message, innerException)
    {
        Reason = reason;
    }

    /// <summary>Gets why the document was rejected.</summary>
    public DocumentRejectionReason Reason { get; }

    /// <summary>Gets the file name the caller gave, if any.</summary>
    public string? FileName { get; init; }
}
