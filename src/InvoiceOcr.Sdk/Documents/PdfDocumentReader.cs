using System.Globalization;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Exceptions;

namespace InvoiceOcr.Sdk.Documents;

/// <summary>
/// Opens a PDF with PdfPig to check that a model could read it, and to count its pages from the real page tree.
/// </summary>
/// <remarks>
/// <para>
/// Parsing is lenient, as in the readers a person would use (pdf.js, poppler): PdfPig then rebuilds a damaged cross-reference
/// table by scanning the file, opens PDFs with junk before or without the <c>%PDF-</c> header, and recovers the single page of
/// <c>corruptedV2PDF.pdf</c> (poppler recovers the same page; qpdf reports 0). Strict parsing would reject real files that
/// Gemini reads.
/// </para>
/// <para>
/// Encryption: PdfPig tries the empty user password, so PDFs protected only by an owner password (permissions) or by an
/// empty user password open and are accepted; Gemini receives the same bytes and opens them the same way. Only a PDF that
/// needs a real user password raises <see cref="PdfDocumentEncryptedException"/> and is rejected.
/// </para>
/// <para>
/// Page count: PdfPig walks the page tree when the document opens, so <c>NumberOfPages</c> is the number of page objects
/// actually reachable, not the <c>/Count</c> entry: <c>poppler-67295-0.pdf</c> claims 9,999,999,999 and counts 1.
/// </para>
/// <para>
/// Bounded work: PdfPig reads the file through <see cref="GuardedPdfInput"/> and decodes streams through
/// <see cref="GuardedFilterProvider"/>, both checking a <see cref="PdfParseGuard"/>. When the caller stops the parse (time-out,
/// cancellation) it ends at its next read or decode with an <see cref="OperationCanceledException"/>; a stream that would
/// inflate past the guard's budget is refused before it is inflated, and the PDF is rejected as
/// <see cref="DocumentRejectionReason.Damaged"/>, and so is a PDF with more than <see cref="PdfParseGuard.MaxPageTreeNodes"/>
/// page-tree nodes (PdfPig would overflow its stack on a deep tree, or loop forever on a long cycle, without reading the file
/// again). Attachments are inflated only through capped streams, see
/// <see cref="EInvoices.EInvoiceAttachments"/>.
/// </para>
/// </remarks>
internal static class PdfDocumentReader
{
    /// <summary>Opens the PDF and reads its facts, with no time limit and the default attachment limit (tests and tools).</summary>
    /// <param name="content">The PDF's bytes.</param>
    /// <param name="fileName">The file name for messages.</param>
    /// <param name="embeddedBudgetBytes">How many bytes of embedded files to copy out at most; zero (or less) reads none.</param>
    public static PdfFacts Read(ReadOnlyMemory<byte> content, string? fileName, long embeddedBudgetBytes) =>
        Read(content, fileName, new PdfReadLimits(embeddedBudgetBytes, DocumentOptions.DefaultMaxEmbeddedXmlBytes, CancellationToken.None));

    /// <summary>Opens the PDF and reads its facts, or throws an <see cref="InvalidDocumentException"/> saying why it cannot be used.</summary>
    /// <param name="content">The PDF's bytes.</param>
    /// <param name="fileName">The file name for messages.</param>
    /// <param name="limits">The attachment budget and cap, and the signal that stops the parse.</param>
    /// <exception cref="OperationCanceledException"><see cref="PdfReadLimits.Stop"/> was signalled; the parse stopped.</exception>
    public static PdfFacts Read(ReadOnlyMemory<byte> content, string? fileName, PdfReadLimits limits)
    {
        var guard = new PdfParseGuard(limits.Stop);
        PdfDocument? document = null;
        try
        {
            int pageCount;
            try
            {
                document = Open(content, guard);
                pageCount = document.NumberOfPages;
            }
            catch (PdfDocumentEncryptedException ex)
            {
                throw DocumentMessages.Reject(DocumentRejectionReason.PasswordProtected, fileName, "the PDF needs a user password to open. Remove the password and send it again.", ex);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw Stopped(guard, fileName, ex) ?? Damaged(fileName, ex);
            }

            // PdfPig's lenient parsing may have caught a trip and carried on another way: the trip still decides.
            if (Stopped(guard, fileName, null) is { } stopped)
            {
                throw stopped;
            }

            var embedded = limits.EmbeddedBudgetBytes > 0 ? ReadEmbeddedFiles(document, fileName, limits, guard) : [];
            return new PdfFacts(pageCount, document.IsEncrypted, embedded);
        }
        finally
        {
            document?.Dispose();
        }
    }

    /// <summary>Opens a PDF under the guard: page-tree nodes counted first, then the file read and its streams decoded through the guard.</summary>
    /// <param name="content">The PDF's bytes.</param>
    /// <param name="guard">The parse's limits.</param>
    internal static PdfDocument Open(ReadOnlyMemory<byte> content, PdfParseGuard guard)
    {
        // Before PdfPig builds the page tree: a deep or looping tree would overflow its stack or never end; and before it
        // reads cross-reference streams: negative /W widths make it stackalloc a negative size and overflow the stack.
        guard.CountPageTreeNodes(content.Span);
        guard.CheckCrossReferenceWidths(content.Span);
        return PdfDocument.Open(new GuardedPdfInput(content, guard), Parsing(guard));
    }

    /// <summary>PdfPig's options for a guarded parse: lenient like the readers people use, the guard's filters.</summary>
    internal static ParsingOptions Parsing(PdfParseGuard guard) => new()
    {
        UseLenientParsing = true,
        SkipMissingFonts = true,
        FilterProvider = new GuardedFilterProvider(guard),
    };

    /// <summary>
    /// The exception a stopped or tripped parse ends with, whatever PdfPig turned the guard's exception into; or
    /// <see langword="null"/> when the guard neither stopped nor tripped.
    /// </summary>
    internal static Exception? Stopped(PdfParseGuard guard, string? fileName, Exception? ex)
    {
        if (guard.StopToken.IsCancellationRequested)
        {
            return ex as OperationCanceledException ?? new OperationCanceledException("The PDF parse was stopped.", ex, guard.StopToken);
        }

        return guard.Tripped is { } reason
            ? DocumentMessages.Reject(DocumentRejectionReason.Damaged, fileName, "the PDF is damaged or hostile: " + reason + ".", ex)
            : null;
    }

    /// <summary>
    /// Copies out the attachments that can be e-invoices. A damaged attachments tree does not make the PDF unusable for the
    /// model, so a fault here yields the files read so far; a stop, a trip or an attachment past the XML cap does not.
    /// </summary>
    private static List<PdfEmbeddedFile> ReadEmbeddedFiles(PdfDocument document, string? fileName, PdfReadLimits limits, PdfParseGuard guard)
    {
        try
        {
            return EInvoices.EInvoiceAttachments.Read(document, fileName, limits.MaxEmbeddedXmlBytes, limits.EmbeddedBudgetBytes, guard);
        }
        catch (Exception ex) when (ex is not InvalidDocumentException and not OutOfMemoryException)
        {
            if (Stopped(guard, fileName, ex) is { } stopped)
            {
                throw stopped;
            }

            // The embedded files are optional extras; the page tree already proved the PDF usable.
            return [];
        }
    }

    private static InvalidDocumentException Damaged(string? fileName, Exception ex) =>
        DocumentMessages.Reject(
            DocumentRejectionReason.Damaged,
            fileName,
            string.Create(CultureInfo.InvariantCulture, $"the PDF is damaged and cannot be opened ({Shorten(ex.Message)})."),
            ex);

    private static string Shorten(string message)
    {
        message = message.TrimEnd('.');
        return message.Length <= 200 ? message : message[..200] + "...";
    }
}

/// <summary>The limits of one PDF read at intake.</summary>
/// <param name="EmbeddedBudgetBytes">How many bytes of attachments to copy out in all; zero (or less) reads none.</param>
/// <param name="MaxEmbeddedXmlBytes">The cap on one attachment's inflated size (<see cref="DocumentOptions.MaxEmbeddedXmlBytes"/>).</param>
/// <param name="Stop">Stops the parse (the parse time-out or the caller's cancellation).</param>
internal readonly record struct PdfReadLimits(long EmbeddedBudgetBytes, long MaxEmbeddedXmlBytes, CancellationToken Stop);
