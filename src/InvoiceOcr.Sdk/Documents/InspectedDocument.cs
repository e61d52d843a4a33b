namespace InvoiceOcr.Sdk.Documents;

/// <summary>
/// A document that passed intake: its bytes and everything the pipeline needs to know about them before a model call.
/// </summary>
internal sealed class InspectedDocument
{
    /// <summary>Gets the document's bytes, exactly as received.</summary>
    public required ReadOnlyMemory<byte> Content { get; init; }

    /// <summary>Gets the kind detected from the bytes.</summary>
    public required DocumentKind Kind { get; init; }

    /// <summary>Gets the MIME type to send to Gemini (<c>application/pdf</c>, <c>image/png</c>, ...).</summary>
    public required string MimeType { get; init; }

    /// <summary>Gets the file name the caller gave, if any.</summary>
    public string? FileName { get; init; }

    /// <summary>Gets the length in bytes.</summary>
    public long Length => Content.Length;

    /// <summary>Gets the SHA-256 of the bytes as 64 lower-case hex digits.</summary>
    public required string Sha256 { get; init; }

    /// <summary>Gets the page count from the real page tree for a PDF; <see langword="null"/> for images.</summary>
    public int? PageCount { get; init; }

    /// <summary>Gets the pixel width for an image; <see langword="null"/> for a PDF.</summary>
    public int? PixelWidth { get; init; }

    /// <summary>Gets the pixel height for an image; <see langword="null"/> for a PDF.</summary>
    public int? PixelHeight { get; init; }

    /// <summary>Gets whether the PDF is encrypted (it opened without a password). Always <see langword="false"/> for images.</summary>
    public bool IsEncrypted { get; init; }

    /// <summary>
    /// Gets the files embedded in the PDF that can be e-invoices (Factur-X/ZUGFeRD/XRechnung XML, UBL: named or typed as XML,
    /// or starting like XML), copied out while the PDF was open for inspection so the e-invoice reader does not reopen it.
    /// Each is at most <see cref="DocumentOptions.MaxEmbeddedXmlBytes"/>, all together at most <see cref="DocumentOptions.MaxFileBytes"/>;
    /// other attachments (images, PDFs) are not copied. Empty for images and for PDFs without such attachments.
    /// </summary>
    public IReadOnlyList<PdfEmbeddedFile> EmbeddedFiles { get; init; } = [];
}
