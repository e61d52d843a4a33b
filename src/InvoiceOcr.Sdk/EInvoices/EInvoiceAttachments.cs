using System.Globalization;
using System.IO.Compression;
using InvoiceOcr.Sdk.Documents;
using UglyToad.PdfPig;
using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Tokens;

namespace InvoiceOcr.Sdk.EInvoices;

/// <summary>
/// Copies out the attachments of a PDF that can be e-invoices, inflating each through a capped stream so that no attachment
/// ever takes more memory than the e-invoice XML limit (<see cref="DocumentOptions.MaxEmbeddedXmlBytes"/>).
/// </summary>
/// <remarks>
/// <para>
/// Which attachments are inflated: those whose name or MIME type says XML (<c>factur-x.xml</c>, <c>xrechnung.xml</c>,
/// <c>UBL-*</c>, <c>*.xml</c>, <c>text/xml</c>, <c>application/*+xml</c>) in full, up to the limit; any other attachment only
/// up to its first <see cref="SniffBytes"/> bytes, to see whether it is XML under another name (the reader has always accepted
/// such files). Images, PDFs and the like stop there and are never kept.
/// </para>
/// <para>
/// Past the limit the document is rejected with <see cref="DocumentRejectionReason.TooLarge"/>, and the PDF is not sent to the
/// model in the attachment's place. In a hybrid e-invoice the XML is the invoice the seller legally issued and the page only
/// its view; reading the page instead would silently answer from the view while the original is unreadable, and would pay
/// for a model call on a file built to exhaust memory. Real e-invoice XML is a few hundred KB; the limit is an option.
/// </para>
/// <para>
/// Filters: Flate (without a predictor) is inflated as a stream; ASCIIHex and ASCII85, which only shrink data, are decoded by
/// PdfPig once the bytes before them are bounded. An attachment under any other filter (LZW, run-length, image codecs) cannot
/// be streamed with a cap and is skipped: no known e-invoice profile uses them.
/// </para>
/// </remarks>
internal static class EInvoiceAttachments
{
    /// <summary>How much of an attachment not named or typed as XML is inflated to see whether it is XML.</summary>
    internal const int SniffBytes = 512;

    /// <summary>The names Factur-X, ZUGFeRD, XRechnung and Order-X give their XML, most specific first.</summary>
    internal static readonly string[] PreferredNames =
    [
        "factur-x.xml", "zugferd-invoice.xml", "xrechnung.xml", "order-x.xml",
    ];

    private const int ChunkBytes = 64 * 1024;

    /// <summary>Whether the name is one of <see cref="PreferredNames"/>.</summary>
    internal static bool IsPreferred(string name) => PreferredNames.Any(n => n.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Whether the name or MIME type says the attachment is an e-invoice XML.</summary>
    internal static bool IsDeclaredXml(string name, string? mimeType) =>
        IsPreferred(name)
        || name.StartsWith("UBL-", StringComparison.OrdinalIgnoreCase)
        || name.EndsWith(".xml", StringComparison.OrdinalIgnoreCase)
        || (mimeType is not null && (mimeType.Equals("text/xml", StringComparison.OrdinalIgnoreCase)
            || mimeType.Equals("application/xml", StringComparison.OrdinalIgnoreCase)
            || mimeType.EndsWith("+xml", StringComparison.OrdinalIgnoreCase)));

    /// <summary>Whether the bytes start like an XML document (after a UTF-8 byte-order mark and white space).</summary>
    internal static bool LooksLikeXml(ReadOnlySpan<byte> span)
    {
        if (span.StartsWith("\uFEFF"u8))
        {
            span = span[3..];
        }

        span = span.TrimStart(" \t\r\n"u8);
        return span.Length > 0 && span[0] == (byte)'<';
    }

    /// <summary>
    /// Finds the attachments that can be e-invoices and copies out their decoded bytes, each at most
    /// <paramref name="maxXmlBytes"/> long, all together at most <paramref name="budgetBytes"/> (files past that are skipped).
    /// </summary>
    /// <param name="document">The open PDF.</param>
    /// <param name="fileName">The document's name, for the rejection message.</param>
    /// <param name="maxXmlBytes">The e-invoice XML limit.</param>
    /// <param name="budgetBytes">The most bytes kept in all.</param>
    /// <param name="guard">The parse's stop signal, checked between chunks.</param>
    /// <exception cref="InvalidDocumentException">An attachment that can be an e-invoice inflates past <paramref name="maxXmlBytes"/> (<see cref="DocumentRejectionReason.TooLarge"/>).</exception>
    internal static List<PdfEmbeddedFile> Read(PdfDocument document, string? fileName, long maxXmlBytes, long budgetBytes, PdfParseGuard guard)
    {
        var result = new List<PdfEmbeddedFile>();
        foreach (var spec in AssociatedFiles.Find(document))
        {
            guard.ThrowIfStopped();
            var declared = IsDeclaredXml(spec.Name, spec.MimeType);
            byte[] bytes;
            int length;
            try
            {
                using var decoded = Open(spec.Stream, document.Structure, maxXmlBytes, guard);
                if (decoded is null)
                {
                    continue;
                }

                (bytes, length) = ReadCapped(decoded, declared ? maxXmlBytes + 1 : SniffBytes, guard);
                if (!declared)
                {
                    if (!LooksLikeXml(bytes.AsSpan(0, length)))
                    {
                        continue;
                    }

                    (bytes, length) = ReadCapped(decoded, maxXmlBytes + 1, guard, bytes, length);
                }
            }
            catch (InvalidDataException)
            {
                // A corrupt deflate stream is a damaged attachment; if it is the e-invoice, the reader rejects its partial XML.
                continue;
            }

            if (length > maxXmlBytes)
            {
                throw DocumentMessages.Reject(
                    DocumentRejectionReason.TooLarge,
                    fileName,
                    string.Create(CultureInfo.InvariantCulture, $"its attachment '{spec.Name}' inflates to more than {maxXmlBytes:N0} bytes, the limit for an embedded e-invoice (DocumentOptions.MaxEmbeddedXmlBytes). It was not read, and the PDF is not sent to the model in its place."));
            }

            if (length > budgetBytes)
            {
                continue;
            }

            budgetBytes -= length;
            result.Add(new PdfEmbeddedFile(spec.Name, bytes.AsMemory(0, length)));
        }

        return result;
    }

    /// <summary>
    /// Opens the attachment's decoded content as a stream, or returns <see langword="null"/> when a filter cannot be streamed
    /// with a cap. Filters that shrink data are applied to the bounded output of the stage before them.
    /// </summary>
    private static Stream? Open(StreamToken stream, Structure structure, long maxXmlBytes, PdfParseGuard guard)
    {
        var names = FilterNames(stream.StreamDictionary, structure);
        if (names is null)
        {
            return null;
        }

        Stream current = GuardedFilterProvider.AsStream(stream.Data);
        for (var i = 0; i < names.Count; i++)
        {
            switch (names[i])
            {
                case "FlateDecode" or "Fl":
                    if (HasPredictor(stream.StreamDictionary, i, structure))
                    {
                        current.Dispose();
                        return null;
                    }

                    // PdfPig's own Flate filter skips the two zlib header bytes and inflates raw deflate; the same here.
                    _ = current.ReadByte();
                    _ = current.ReadByte();
                    current = new DeflateStream(current, CompressionMode.Decompress, leaveOpen: false);
                    break;
                case "ASCIIHexDecode" or "AHx" or "ASCII85Decode" or "A85":
                    // These halve (hex) or shrink by a fifth (base-85) the data, so twice the limit of input is enough.
                    var (input, length) = ReadCapped(current, (2 * maxXmlBytes) + 16, guard);
                    current.Dispose();
                    var filter = DefaultFilterProvider.Instance.GetNamedFilters([NameToken.Create(names[i])])[0];
                    var output = filter.Decode(input.AsMemory(0, length), stream.StreamDictionary, DefaultFilterProvider.Instance, i);
                    current = GuardedFilterProvider.AsStream(output);
                    break;
                default:
                    current.Dispose();
                    return null;
            }
        }

        return current;
    }

    /// <summary>
    /// Reads at most <paramref name="limit"/> bytes, appending to what was already read; a result longer than the caller's
    /// cap means the content is longer too. The buffer grows with what is read, never to the limit up front.
    /// </summary>
    private static (byte[] Bytes, int Length) ReadCapped(Stream source, long limit, PdfParseGuard guard, byte[]? bytes = null, int length = 0)
    {
        var max = (int)Math.Min(limit, Array.MaxLength);
        bytes ??= new byte[Math.Min(max, ChunkBytes)];
        while (length < max)
        {
            if (length == bytes.Length)
            {
                Array.Resize(ref bytes, (int)Math.Min((long)bytes.Length * 2, max));
            }

            var read = source.Read(bytes, length, Math.Min(bytes.Length - length, ChunkBytes));
            if (read == 0)
            {
                break;
            }

            length += read;
            guard.ThrowIfStopped();
        }

        return (bytes, length);
    }

    private static List<string>? FilterNames(DictionaryToken dictionary, Structure structure)
    {
        var token = dictionary.TryGet(NameToken.Filter, out var filter) ? AssociatedFiles.Resolve(filter, structure) : null;
        switch (token)
        {
            case null:
                return [];
            case NameToken name:
                return [name.Data];
            case ArrayToken array:
                var names = new List<string>(array.Data.Count);
                foreach (var item in array.Data)
                {
                    if (AssociatedFiles.Resolve(item, structure) is not NameToken n)
                    {
                        return null;
                    }

                    names.Add(n.Data);
                }

                return names;
            default:
                return null;
        }
    }

    private static bool HasPredictor(DictionaryToken dictionary, int index, Structure structure)
    {
        if (!dictionary.TryGet(NameToken.DecodeParms, out var token))
        {
            return false;
        }

        var parameters = AssociatedFiles.Resolve(token, structure) switch
        {
            DictionaryToken d => d,
            ArrayToken a when index < a.Data.Count => AssociatedFiles.Resolve(a.Data[index], structure) as DictionaryToken,
            _ => null,
        };
        return parameters is not null && parameters.TryGet(NameToken.Predictor, out var predictor)
            && AssociatedFiles.Resolve(predictor, structure) is NumericToken { Int: > 1 };
    }
}
