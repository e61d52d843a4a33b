using UglyToad.PdfPig;

namespace InvoiceOcr.Emulator.Answers;

/// <summary>Reads the files embedded in a PDF (for example the Factur-X/ZUGFeRD <c>factur-x.xml</c>).</summary>
internal static class PdfAttachments
{
    public static IReadOnlyList<EmulatorAttachment> Read(ReadOnlyMemory<byte> pdf)
    {
        try
        {
            using var document = PdfDocument.Open(pdf, new ParsingOptions { UseLenientParsing = true, SkipMissingFonts = true });
            if (!document.Advanced.TryGetEmbeddedFiles(out var files) || files is null)
            {
                return [];
            }

            return [.. files.Select(f => new EmulatorAttachment(f.Name, f.Bytes.ToArray()))];
        }
#pragma warning disable CA1031 // An unreadable PDF simply has no readable attachments.
        catch (Exception)
#pragma warning restore CA1031
        {
            return [];
        }
    }
}
