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
/// </remarks>
internal static class PdfDocumentReader
{
    /// <summary>Opens the PDF and reads its facts, or throws an <see cref="InvalidDocumentException"/> saying why it cannot be used.</summary>
    /// <param name="content">The PDF's bytes.</param>
    /// <param name="fileName">The file name for messages.</param>
    /// <param name="embeddedBudgetBytes">
    /// How many bytes of embedded files to copy out at most; files past the budget are skipped. Zero (or less) skips the
    /// search for embedded files altogether: the facts then list none.
    /// </param>
    public static PdfFacts Read(ReadOnlyMemory<byte> content, string? fileName, long embeddedBudgetBytes)
    {
        PdfDocument document;
        try
        {
            document = PdfDocument.Open(content, new ParsingOptions { UseLenientParsing = true, SkipMissingFonts = true });
        }
        catch (PdfDocumentEncryptedException ex)
        {
            throw DocumentMessages.Reject(DocumentRejectionReason.PasswordProtected, fileName, "the PDF needs a user password to open. Remove the password and send it again.", ex);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            throw Damaged(fileName, ex);
        }

        using (document)
        {
            int pageCount;
            try
            {
                pageCount = document.NumberOfPages;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw Damaged(fileName, ex);
            }

            return new PdfFacts(pageCount, document.IsEncrypted, embeddedBudgetBytes > 0 ? ReadEmbeddedFiles(document, embeddedBudgetBytes) : []);
        }
    }

    /// <summary>
    /// Copies out embedded files up to the budget. A damaged embedded-files tree does not make the PDF unusable for the
    /// model, so a failure here yields the files read so far rather than a rejection.
    /// </summary>
    private static List<PdfEmbeddedFile> ReadEmbeddedFiles(PdfDocument document, long budgetBytes)
    {
        var result = new List<PdfEmbeddedFile>();
        try
        {
            if (document.Advanced.TryGetEmbeddedFiles(out var embedded) && embedded.Count > 0)
            {
                foreach (var file in embedded)
                {
                    // Copied: the decoded bytes may be a view of PdfPig's buffers, which must not outlive the document.
                    Add(result, file.Name, file.Memory, copy: true, ref budgetBytes);
                }
            }
            else
            {
                // PDF/A-3 associated files (the catalog's /AF array) may carry an e-invoice without a names-tree entry.
                // Their bytes are already fresh arrays, so they are kept as they are.
                foreach (var (name, bytes) in EInvoices.AssociatedFiles.Read(document))
                {
                    Add(result, name, bytes, copy: false, ref budgetBytes);
                }
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // The embedded files are optional extras; the page tree already proved the PDF usable.
        }

        return result;
    }

    private static void Add(List<PdfEmbeddedFile> result, string name, ReadOnlyMemory<byte> bytes, bool copy, ref long budgetBytes)
    {
        if (bytes.Length > budgetBytes)
        {
            return;
        }

        budgetBytes -= bytes.Length;
        result.Add(new PdfEmbeddedFile(name, copy ? bytes.ToArray() : bytes));
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
