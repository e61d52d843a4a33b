namespace InvoiceOcr.Sdk.Documents;

/// <summary>What the PDF parser learned about a PDF that opened.</summary>
/// <param name="PageCount">The number of pages in the real page tree (leaf page objects), not the <c>/Count</c> the file claims.</param>
/// <param name="IsEncrypted">Whether the PDF is encrypted (it opened with the empty user password, so no password is needed).</param>
/// <param name="EmbeddedFiles">The files embedded in the PDF (for example a Factur-X <c>factur-x.xml</c>).</param>
internal sealed record PdfFacts(int PageCount, bool IsEncrypted, IReadOnlyList<PdfEmbeddedFile> EmbeddedFiles);

/// <summary>
/// A file embedded in a PDF's <c>/EmbeddedFiles</c> name tree, copied out while the PDF was open so a reader of hybrid
/// e-invoices (Factur-X, ZUGFeRD, XRechnung, UBL attachments) does not have to open the PDF a second time.
/// </summary>
/// <param name="Name">The name in the embedded-files name tree (for example <c>factur-x.xml</c>).</param>
/// <param name="Content">The decoded (decompressed, decrypted) bytes.</param>
internal sealed record PdfEmbeddedFile(string Name, ReadOnlyMemory<byte> Content);
