using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;

namespace InvoiceOcr.Sdk;

/// <summary>
/// Limits applied at document intake, before any model call. A document that breaks one is rejected with an
/// <see cref="InvalidDocumentException"/> and costs nothing.
/// </summary>
public sealed class DocumentOptions
{
    /// <summary>The default <see cref="MaxFileBytes"/>: 50 MB (52,428,800 bytes), Gemini's limit for PDF input.</summary>
    public const long DefaultMaxFileBytes = 52_428_800;

    /// <summary>The default <see cref="MaxEmbeddedXmlBytes"/>: 32 MiB (33,554,432 bytes).</summary>
    public const long DefaultMaxEmbeddedXmlBytes = 32L * 1024 * 1024;

    /// <summary>The default <see cref="MaxPages"/>: 1000, Gemini's page limit for one PDF.</summary>
    public const int DefaultMaxPages = 1000;

    /// <summary>
    /// Gets or sets the largest document accepted, in bytes. Larger documents are rejected with
    /// <see cref="DocumentRejectionReason.TooLarge"/> before they are parsed; streams are never read past this limit plus one byte.
    /// </summary>
    /// <value>The default value is 52,428,800 bytes (50 MB).</value>
    [Range(1L, long.MaxValue)]
    public long MaxFileBytes { get; set; } = DefaultMaxFileBytes;

    /// <summary>
    /// Gets or sets the largest page count accepted for a PDF, counted from the real page tree (not the <c>/Count</c> the file claims).
    /// More pages are rejected with <see cref="DocumentRejectionReason.TooManyPages"/>.
    /// </summary>
    /// <value>The default value is 1000.</value>
    [Range(1, int.MaxValue)]
    public int MaxPages { get; set; } = DefaultMaxPages;

    /// <summary>
    /// Gets or sets the largest embedded e-invoice XML read from a PDF, in decoded (inflated) bytes. Attachments are inflated
    /// through a stream capped at this size, and only those that can be e-invoices (named or typed as XML, or starting like XML);
    /// one that inflates past it gets the document rejected with <see cref="DocumentRejectionReason.TooLarge"/> and no model call,
    /// rather than being skipped, because in a hybrid e-invoice the XML, not the page, is the invoice.
    /// </summary>
    /// <remarks>
    /// A compressed attachment can inflate a thousand times over (a 400 KB PDF to 400 MiB), so the cap, not the file size, bounds
    /// the memory an attachment takes. Real e-invoice XML is a few hundred KB.
    /// </remarks>
    /// <value>The default value is 33,554,432 bytes (32 MiB).</value>
    [Range(1L, 1_073_741_824L)]
    public long MaxEmbeddedXmlBytes { get; set; } = DefaultMaxEmbeddedXmlBytes;

    /// <summary>
    /// Gets or sets how long the PDF parser may work on one document. A hostile PDF (reference loops, self-containing
    /// object streams) that keeps the parser busy longer is rejected with <see cref="DocumentRejectionReason.Damaged"/>, and
    /// the parse itself stops at its next read of the file or its next stream decode (it does not run on in the background).
    /// The same happens when the caller cancels the inspection.
    /// </summary>
    /// <value>The default value is 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "01:00:00", ParseLimitsInInvariantCulture = true, ConvertValueInInvariantCulture = true)]
    public TimeSpan PdfParseTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets the document kinds accepted. A detected kind not in the list is rejected with
    /// <see cref="DocumentRejectionReason.UnsupportedType"/>. <see langword="null"/> or empty accepts every <see cref="DocumentKind"/>.
    /// </summary>
    /// <value>The default value is <see langword="null"/> (every kind is accepted).</value>
    [SuppressMessage("Usage", "CA2227:Collection properties should be read only", Justification = "Options are bound from configuration; null means every kind.")]
    public IList<DocumentKind>? AllowedKinds { get; set; }
}
