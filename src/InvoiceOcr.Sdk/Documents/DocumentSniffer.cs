namespace InvoiceOcr.Sdk.Documents;

/// <summary>
/// Detects a document's kind from its bytes (magic numbers). The file name is never consulted, so a text file named
/// <c>.pdf</c> is not a PDF and a PDF named <c>.txt</c> is.
/// </summary>
internal static class DocumentSniffer
{
    /// <summary>How far into the file the <c>%PDF-</c> header may start. PDF readers (pdf.js, poppler, qpdf, PdfPig) accept junk before it within this window.</summary>
    internal const int PdfHeaderWindow = 1024;

    private static ReadOnlySpan<byte> PngSignature => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Returns the detected kind, or <see langword="null"/> when the bytes are none of the accepted kinds.</summary>
    public static DocumentKind? Detect(ReadOnlySpan<byte> bytes)
    {
        if (bytes.StartsWith(PngSignature))
        {
            return DocumentKind.Png;
        }

        if (bytes.Length >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF)
        {
            return DocumentKind.Jpeg;
        }

        if (bytes.Length >= 12 && bytes.StartsWith("RIFF"u8) && bytes.Slice(8, 4).SequenceEqual("WEBP"u8))
        {
            return DocumentKind.Webp;
        }

        if (HeifBrands.Detect(bytes) is { } heif)
        {
            return heif;
        }

        return IsPdf(bytes) ? DocumentKind.Pdf : null;
    }

    /// <summary>
    /// Returns whether the bytes look like a PDF: a <c>%PDF-</c> header within the first 1024 bytes (junk before the header is
    /// tolerated as readers do), or a header-less PDF (see <see cref="IsHeaderlessPdf"/>).
    /// </summary>
    internal static bool IsPdf(ReadOnlySpan<byte> bytes)
    {
        var head = bytes[..Math.Min(bytes.Length, PdfHeaderWindow)];
        return head.IndexOf("%PDF-"u8) >= 0 || IsHeaderlessPdf(bytes);
    }

    /// <summary>
    /// Returns whether the bytes are a PDF without the <c>%PDF-x.y</c> header line. pdf.js, poppler and PdfPig (lenient
    /// parsing) all open such files (pdf.js test <c>bug1606566.pdf</c> starts with the binary comment <c>%âãÏÓ</c>), so
    /// the SDK accepts them too, but only with strong evidence of PDF structure: the file starts with a comment (<c>%</c>),
    /// an indirect object (<c>N G obj</c>) starts within the first 1024 bytes, and <c>%%EOF</c> occurs within the last
    /// 1024 bytes. A text file that merely carries a <c>.pdf</c> name has none of these. PdfPig then has the final word.
    /// </summary>
    internal static bool IsHeaderlessPdf(ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty || bytes[0] != (byte)'%')
        {
            return false;
        }

        var head = bytes[..Math.Min(bytes.Length, PdfHeaderWindow)];
        var tail = bytes[Math.Max(0, bytes.Length - PdfHeaderWindow)..];
        return tail.IndexOf("%%EOF"u8) >= 0 && ContainsIndirectObject(head);
    }

    private static bool ContainsIndirectObject(ReadOnlySpan<byte> head)
    {
        // Looks for "<digits> <digits> obj" at the start of a line.
        for (var i = 0; i < head.Length; i++)
        {
            if (i > 0 && head[i - 1] != (byte)'\n' && head[i - 1] != (byte)'\r')
            {
                continue;
            }

            var p = i;
            if (!SkipDigits(head, ref p) || !SkipSpaces(head, ref p) || !SkipDigits(head, ref p) || !SkipSpaces(head, ref p))
            {
                continue;
            }

            if (head[p..].StartsWith("obj"u8))
            {
                return true;
            }
        }

        return false;
    }

    private static bool SkipDigits(ReadOnlySpan<byte> s, ref int p)
    {
        var start = p;
        while (p < s.Length && char.IsAsciiDigit((char)s[p]))
        {
            p++;
        }

        return p > start;
    }

    private static bool SkipSpaces(ReadOnlySpan<byte> s, ref int p)
    {
        var start = p;
        while (p < s.Length && s[p] == (byte)' ')
        {
            p++;
        }

        return p > start;
    }
}
