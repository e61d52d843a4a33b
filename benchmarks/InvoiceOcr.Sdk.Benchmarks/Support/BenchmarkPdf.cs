using System.Globalization;
using System.Text;

namespace InvoiceOcr.Sdk.Benchmarks.Support;

/// <summary>Valid PDFs built in memory: a one-page invoice, and the same padded with an unreferenced binary stream to any size.</summary>
internal static class BenchmarkPdf
{
    public static byte[] Create(int pages = 1, int paddingBytes = 0)
    {
        var objects = new List<byte[]>
        {
            Ascii("<< /Type /Catalog /Pages 2 0 R >>"),
            Array.Empty<byte>(),
            Ascii("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"),
        };
        var kids = new List<string>();
        for (var page = 1; page <= pages; page++)
        {
            var content = string.Create(CultureInfo.InvariantCulture, $"BT /F1 12 Tf 72 720 Td (Benchmark invoice page {page}) Tj ET");
            objects.Add(Ascii(string.Create(CultureInfo.InvariantCulture, $"<< /Length {content.Length} >>\nstream\n{content}\nendstream")));
            objects.Add(Ascii(string.Create(CultureInfo.InvariantCulture, $"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {objects.Count} 0 R >>")));
            kids.Add(string.Create(CultureInfo.InvariantCulture, $"{objects.Count} 0 R"));
        }

        objects[1] = Ascii(string.Create(CultureInfo.InvariantCulture, $"<< /Type /Pages /Kids [{string.Join(' ', kids)}] /Count {pages} >>"));
        if (paddingBytes > 0)
        {
            // Incompressible bytes, as a scanned page would be; deterministic so every run posts the same request.
            var padding = new byte[paddingBytes];
            new Random(42).NextBytes(padding);
            var head = Ascii(string.Create(CultureInfo.InvariantCulture, $"<< /Length {paddingBytes} >>\nstream\n"));
            objects.Add([.. head, .. padding, .. Ascii("\nendstream")]);
        }

        using var pdf = new MemoryStream();
        Write(pdf, "%PDF-1.4\n");
        var offsets = new List<long>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(pdf.Position);
            Write(pdf, string.Create(CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n"));
            pdf.Write(objects[i]);
            Write(pdf, "\nendobj\n");
        }

        var xref = pdf.Position;
        Write(pdf, string.Create(CultureInfo.InvariantCulture, $"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n"));
        foreach (var offset in offsets)
        {
            Write(pdf, string.Create(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n"));
        }

        Write(pdf, string.Create(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"));
        return pdf.ToArray();
    }

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    private static void Write(Stream stream, string text) => stream.Write(Encoding.ASCII.GetBytes(text));
}
