using System.Globalization;
using System.Text;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>Builds small, valid PDFs (correct xref offsets, one Helvetica text line per page) so thousands of calls stay cheap.</summary>
internal static class TinyPdf
{
    public static byte[] Create(int pages, string text)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pages, 1);
        var objects = new List<string>
        {
            "<< /Type /Catalog /Pages 2 0 R >>",
            string.Empty, // the page tree, filled in below once the kids are known
            "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        };
        var kids = new List<string>();
        for (var page = 1; page <= pages; page++)
        {
            var content = string.Create(CultureInfo.InvariantCulture, $"BT /F1 12 Tf 72 720 Td ({text} page {page}) Tj ET");
            objects.Add(string.Create(CultureInfo.InvariantCulture, $"<< /Length {Encoding.ASCII.GetByteCount(content)} >>\nstream\n{content}\nendstream"));
            var contentId = objects.Count;
            objects.Add(string.Create(CultureInfo.InvariantCulture, $"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents {contentId} 0 R >>"));
            kids.Add(string.Create(CultureInfo.InvariantCulture, $"{objects.Count} 0 R"));
        }

        objects[1] = string.Create(CultureInfo.InvariantCulture, $"<< /Type /Pages /Kids [{string.Join(' ', kids)}] /Count {pages} >>");

        var pdf = new StringBuilder("%PDF-1.4\n");
        var offsets = new List<int>();
        for (var i = 0; i < objects.Count; i++)
        {
            offsets.Add(Encoding.ASCII.GetByteCount(pdf.ToString()));
            pdf.Append(CultureInfo.InvariantCulture, $"{i + 1} 0 obj\n{objects[i]}\nendobj\n");
        }

        var xref = Encoding.ASCII.GetByteCount(pdf.ToString());
        pdf.Append(CultureInfo.InvariantCulture, $"xref\n0 {objects.Count + 1}\n0000000000 65535 f \n");
        foreach (var offset in offsets)
        {
            pdf.Append(CultureInfo.InvariantCulture, $"{offset:D10} 00000 n \n");
        }

        pdf.Append(CultureInfo.InvariantCulture, $"trailer\n<< /Size {objects.Count + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n");
        return Encoding.ASCII.GetBytes(pdf.ToString());
    }
}
