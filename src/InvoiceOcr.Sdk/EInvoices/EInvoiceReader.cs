using System.Globalization;
using System.Runtime.InteropServices;
using System.Xml;
using System.Xml.Linq;
using InvoiceOcr.Sdk.Documents;
using InvoiceOcr.Sdk.EInvoices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using UglyToad.PdfPig.Exceptions;

namespace InvoiceOcr.Sdk;

/// <summary>
/// Reads a structured e-invoice embedded in a hybrid PDF (Factur-X, ZUGFeRD 1.0/2.x, XRechnung CII, or UBL 2.1) and
/// maps it to an <see cref="Invoice"/> with <see cref="InvoiceSourceKind.EmbeddedXml"/>. No model call is made: zero
/// tokens, nothing reserved or billed. Thread-safe; register it as a singleton.
/// </summary>
/// <remarks>
/// <para>
/// Where the printed page and the embedded XML disagree, the XML is what the seller legally issued: in a hybrid
/// e-invoice the structured data is the invoice (EN 16931; the German GoBD/UStG and French Factur-X rules treat the
/// XML as the original), the PDF page is only its human-readable view. The reader therefore never "corrects" the XML
/// from the page.
/// </para>
/// <para>
/// XML is parsed with DTD processing prohibited and no resolver, so external entities and entity expansion attacks
/// are impossible. Profiles without lines (MINIMUM, BASIC WL) yield an invoice with no line items.
/// </para>
/// <para>
/// Attachments are inflated only through a stream capped at <see cref="DocumentOptions.MaxEmbeddedXmlBytes"/>, and only those
/// that can be e-invoices (named or typed as XML, or starting like XML); one that inflates past the cap is a
/// <see cref="DocumentRejectionReason.TooLarge"/> rejection, never a buffer of whatever size the PDF claims.
/// </para>
/// </remarks>
internal sealed partial class EInvoiceReader
{
    private readonly ILogger<EInvoiceReader> _logger;
    private readonly Func<DocumentOptions> _options;

    /// <summary>Creates a reader that does not log, with the default <see cref="DocumentOptions"/> limits.</summary>
    public EInvoiceReader()
        : this(NullLogger<EInvoiceReader>.Instance)
    {
    }

    /// <summary>Creates a reader with the default <see cref="DocumentOptions"/> limits.</summary>
    /// <param name="logger">Logs which attachment was read (names and formats only, never content).</param>
    public EInvoiceReader(ILogger<EInvoiceReader> logger)
    {
        ArgumentNullException.ThrowIfNull(logger);
        _logger = logger;
        var defaults = new DocumentOptions();
        _options = () => defaults;
    }

    /// <summary>Creates a reader that applies the configured document limits (the constructor dependency injection uses).</summary>
    /// <param name="logger">Logs which attachment was read (names and formats only, never content).</param>
    /// <param name="options">
    /// The document limits: <see cref="DocumentOptions.MaxEmbeddedXmlBytes"/> caps each attachment's inflated size and
    /// <see cref="DocumentOptions.MaxFileBytes"/> the attachments together.
    /// </param>
    public EInvoiceReader(ILogger<EInvoiceReader> logger, IOptionsMonitor<DocumentOptions> options)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(options);
        _logger = logger;
        _options = () => options.CurrentValue;
    }

    /// <summary>
    /// Looks for an embedded e-invoice in a PDF and maps it.
    /// </summary>
    /// <param name="pdf">The PDF's bytes.</param>
    /// <returns>The invoice, or <see langword="null"/> when the PDF embeds no recognised e-invoice XML (a plain PDF).</returns>
    /// <exception cref="InvalidDocumentException">
    /// The PDF cannot be opened (<see cref="DocumentRejectionReason.Damaged"/>, <see cref="DocumentRejectionReason.PasswordProtected"/>),
    /// or an attachment named or shaped like an e-invoice is not well-formed XML (<see cref="DocumentRejectionReason.Damaged"/>),
    /// or inflates past <see cref="DocumentOptions.MaxEmbeddedXmlBytes"/> (<see cref="DocumentRejectionReason.TooLarge"/>).
    /// </exception>
    public Invoice? ReadPdf(byte[] pdf)
    {
        ArgumentNullException.ThrowIfNull(pdf);
        if (pdf.Length == 0)
        {
            throw new InvalidDocumentException(DocumentRejectionReason.Empty, "The PDF has no bytes.");
        }

        var options = _options();

        // The same time limit as intake: the parse stops at its next read or decode once it passes.
        using var stop = new CancellationTokenSource(options.PdfParseTimeout);
        var guard = new PdfParseGuard(stop.Token);
        List<(string Name, ReadOnlyMemory<byte> Bytes)> attachments;
        try
        {
            using var document = PdfDocumentReader.Open(pdf, guard);
            attachments = [.. EInvoiceAttachments.Read(document, null, options.MaxEmbeddedXmlBytes, options.MaxFileBytes, guard).Select(f => (f.Name, f.Content))];
        }
        catch (PdfDocumentEncryptedException ex)
        {
            throw new InvalidDocumentException(DocumentRejectionReason.PasswordProtected, "The PDF needs a password to open, so its attachments cannot be read.", ex);
        }
        catch (PdfBudgetExceededException ex)
        {
            throw new InvalidDocumentException(DocumentRejectionReason.Damaged, "The PDF is damaged or hostile: " + ex.Message + ".", ex);
        }
        catch (Exception ex) when (stop.IsCancellationRequested && ex is not InvalidDocumentException and not OutOfMemoryException)
        {
            throw new InvalidDocumentException(
                DocumentRejectionReason.Damaged,
                string.Create(CultureInfo.InvariantCulture, $"The PDF could not be parsed within {options.PdfParseTimeout.TotalSeconds:0.###} s (DocumentOptions.PdfParseTimeout); it is malformed or hostile."),
                ex);
        }
        catch (Exception ex) when (ex is not InvalidDocumentException and not OutOfMemoryException)
        {
            // Any fault of the parser means the attachments cannot be read, whatever its type: the fuzz runner found PdfPig
            // throwing DivideByZeroException from its RC4 code on a damaged encryption dictionary.
            if (guard.Tripped is { } reason)
            {
                throw new InvalidDocumentException(DocumentRejectionReason.Damaged, "The PDF is damaged or hostile: " + reason + ".", ex);
            }

            throw new InvalidDocumentException(DocumentRejectionReason.Damaged, "The PDF is damaged and its attachments cannot be read: " + ex.Message, ex);
        }

        return ReadAttachments(attachments);
    }

    /// <summary>Maps the first recognised e-invoice among a PDF's attachments, already read by document intake (the PDF is not opened again).</summary>
    /// <param name="embeddedFiles">The PDF's attachments.</param>
    /// <returns>The invoice, or <see langword="null"/> when none is an e-invoice.</returns>
    internal Invoice? ReadEmbeddedFiles(IReadOnlyList<Documents.PdfEmbeddedFile> embeddedFiles) =>
        embeddedFiles.Count == 0 ? null : ReadAttachments([.. embeddedFiles.Select(f => (f.Name, f.Content))]);

    private Invoice? ReadAttachments(List<(string Name, ReadOnlyMemory<byte> Bytes)> attachments)
    {
        var maxXmlBytes = _options().MaxEmbeddedXmlBytes;
        foreach (var (name, bytes) in Order(attachments))
        {
            if (bytes.Length > maxXmlBytes)
            {
                LogAttachmentTooLarge(name, bytes.Length);
                continue;
            }

            var root = Parse(bytes, name, maxXmlBytes);
            if (root is not null && Map(root, name) is { } invoice)
            {
                LogEmbeddedInvoiceRead(name, invoice.Source.Format);
                return invoice;
            }
        }

        LogNoEmbeddedInvoice(attachments.Count);
        return null;
    }

    /// <summary>Maps an e-invoice XML document (CII, ZUGFeRD 1.0 or UBL 2.1) to an invoice.</summary>
    /// <param name="xml">The XML stream.</param>
    /// <param name="attachmentName">The file name to record in <see cref="InvoiceSource.AttachmentName"/>, if any.</param>
    /// <returns>The invoice.</returns>
    /// <exception cref="InvalidDocumentException">The XML is not well-formed, has a DTD, or is neither CII nor UBL (<see cref="DocumentRejectionReason.UnsupportedType"/>).</exception>
    public Invoice ReadXml(Stream xml, string? attachmentName = null)
    {
        ArgumentNullException.ThrowIfNull(xml);
        var maxXmlBytes = _options().MaxEmbeddedXmlBytes;
        XElement root;
        try
        {
            root = LoadBounded(xml, maxXmlBytes) ?? throw new XmlException("The document has no root element.");
        }
        catch (XmlException ex)
        {
            throw new InvalidDocumentException(DocumentRejectionReason.Damaged, $"The e-invoice XML{For(attachmentName)} is not well-formed: {ex.Message}", ex) { FileName = attachmentName };
        }

        return Map(root, attachmentName) ?? throw new InvalidDocumentException(
            DocumentRejectionReason.UnsupportedType,
            $"The XML{For(attachmentName)} is not a CII, ZUGFeRD 1.0 or UBL 2.1 invoice (root element '{root.Name}').")
        { FileName = attachmentName };
    }

    [LoggerMessage(1201, LogLevel.Debug, "Read the embedded e-invoice '{AttachmentName}' ({Format}); no model call is needed.")]
    private partial void LogEmbeddedInvoiceRead(string attachmentName, EInvoiceFormat? format);

    [LoggerMessage(1202, LogLevel.Debug, "The PDF embeds no e-invoice XML ({AttachmentCount} attachments).")]
    private partial void LogNoEmbeddedInvoice(int attachmentCount);

    [LoggerMessage(1203, LogLevel.Warning, "Skipped the attachment '{AttachmentName}': {Bytes} bytes is larger than an e-invoice can be.")]
    private partial void LogAttachmentTooLarge(string attachmentName, int bytes);

    private static Invoice? Map(XElement root, string? name) =>
        CiiInvoiceMapper.CanMap(root) ? CiiInvoiceMapper.Map(root, name)
        : UblInvoiceMapper.CanMap(root) ? UblInvoiceMapper.Map(root, name)
        : null;

    /// <summary>Parses an attachment; non-XML attachments (images, other PDFs) yield <see langword="null"/>.</summary>
    private static XElement? Parse(ReadOnlyMemory<byte> bytes, string name, long maxXmlBytes)
    {
        var expected = IsPreferred(name) || name.StartsWith("UBL-", StringComparison.OrdinalIgnoreCase);
        if (!expected && !EInvoiceAttachments.LooksLikeXml(bytes.Span))
        {
            return null;
        }

        try
        {
            using var stream = MemoryMarshal.TryGetArray(bytes, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(bytes.ToArray(), writable: false);
            return LoadBounded(stream, maxXmlBytes);
        }
        catch (XmlException ex) when (expected || name.EndsWith(".xml", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidDocumentException(DocumentRejectionReason.Damaged, $"The embedded e-invoice '{name}' is not well-formed XML: {ex.Message}", ex) { FileName = name };
        }
        catch (XmlException)
        {
            return null;
        }
    }

    private static IEnumerable<(string Name, ReadOnlyMemory<byte> Bytes)> Order(List<(string Name, ReadOnlyMemory<byte> Bytes)> attachments) =>
        attachments
            .OrderBy(a => IsPreferred(a.Name) ? Array.FindIndex(EInvoiceAttachments.PreferredNames, n => n.Equals(a.Name, StringComparison.OrdinalIgnoreCase)) : EInvoiceAttachments.PreferredNames.Length)
            .ThenBy(a => a.Name.EndsWith(".xml", StringComparison.OrdinalIgnoreCase) ? 0 : 1);

    private static bool IsPreferred(string name) => EInvoiceAttachments.IsPreferred(name);

    private static string For(string? name) => name is null ? string.Empty : $" '{name}'";

    /// <summary>The deepest element nesting accepted: 128 (CII and UBL invoices nest about ten deep).</summary>
    internal const int MaxXmlDepth = 128;

    /// <summary>
    /// Loads XML in two passes: a streaming pass that checks it is well-formed and nested at most <see cref="MaxXmlDepth"/>
    /// deep, then the tree. Fuzzing found 136 KB of XML nested 50,000 deep taking seconds to load; the first pass stops at
    /// depth 129 in microseconds. A stream that cannot seek is first copied, at most one byte past the size limit.
    /// </summary>
    private static XElement? LoadBounded(Stream xml, long maxXmlBytes)
    {
        if (!xml.CanSeek)
        {
            var copy = new MemoryStream();
            var buffer = new byte[81920];
            int read;
            while ((read = xml.Read(buffer, 0, buffer.Length)) > 0 && copy.Length <= maxXmlBytes)
            {
                copy.Write(buffer, 0, read);
            }

            copy.Position = 0;
            xml = copy;
        }

        var start = xml.Position;
        using (var scan = XmlReader.Create(xml, SecureSettings(maxXmlBytes)))
        {
            while (scan.Read())
            {
                if (scan.Depth > MaxXmlDepth)
                {
                    throw new XmlException(string.Create(CultureInfo.InvariantCulture, $"Elements are nested more than {MaxXmlDepth} deep; an e-invoice nests about ten deep."));
                }
            }
        }

        xml.Position = start;
        using var reader = XmlReader.Create(xml, SecureSettings(maxXmlBytes));
        return XDocument.Load(reader, LoadOptions.None).Root;
    }

    private static XmlReaderSettings SecureSettings(long maxXmlBytes) => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        MaxCharactersFromEntities = 1024,
        MaxCharactersInDocument = maxXmlBytes,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = false,
    };
}
