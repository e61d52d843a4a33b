using System.Text;
using InvoiceOcr.Samples.ConsoleApp.Output;

namespace InvoiceOcr.Samples.ConsoleApp.Extraction;

/// <summary>Writes <c>--out</c>: one JSON file per document and <c>invoices.csv</c> with the header fields of all of them.</summary>
internal static class ResultFiles
{
    public const string CsvFileName = "invoices.csv";

    /// <summary>Writes the files and returns the paths written.</summary>
    public static async Task<IReadOnlyList<string>> WriteAsync(string folder, IReadOnlyList<DocumentOutcome> outcomes, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var written = new List<string>();
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { CsvFileName };
        foreach (var outcome in outcomes)
        {
            var name = UniqueName(Path.GetFileNameWithoutExtension(outcome.File), used);
            var path = Path.Combine(folder, name);
            await File.WriteAllTextAsync(path, CliJson.Serialize(DocumentReport.From(outcome)) + "\n", Encoding.UTF8, cancellationToken).ConfigureAwait(false);
            written.Add(path);
        }

        var csvPath = Path.Combine(folder, CsvFileName);
        await File.WriteAllTextAsync(csvPath, ToCsv(outcomes), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false), cancellationToken).ConfigureAwait(false);
        written.Add(csvPath);
        return written;
    }

    public static string ToCsv(IEnumerable<DocumentOutcome> outcomes)
    {
        var csv = new StringBuilder();
        csv.Append(Csv.Line(
            "file", "status", "errorKind", "documentType", "invoiceId", "invoiceDate", "dueDate", "vendorName", "vendorVatId", "customerName",
            "currency", "subtotal", "totalTax", "total", "amountDue", "source", "findings", "pages", "inputTokens", "outputTokens", "totalTokens"));
        foreach (var outcome in outcomes)
        {
            var r = outcome.Result;
            var i = r?.Invoice;
            csv.Append(Csv.Line(
                outcome.File,
                DocumentStatusNames.ToName(outcome.Status),
                outcome.Error?.Kind.ToString(),
                i?.DocumentType.ToString(),
                i?.InvoiceId,
                i?.InvoiceDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                i?.DueDate?.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                i?.Vendor?.Name,
                i?.Vendor?.VatId,
                i?.Customer?.Name,
                i?.Currency,
                Number(i?.Subtotal),
                Number(i?.TotalTax),
                Number(i?.Total),
                Number(i?.AmountDue),
                i is null ? null : (i.Source.Kind == Sdk.InvoiceSourceKind.EmbeddedXml ? "embedded-xml" : "model"),
                r?.Findings.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
                r?.PageCount?.ToString(System.Globalization.CultureInfo.InvariantCulture),
                r is null ? null : Format.Plain(r.Usage.InputTokens),
                r is null ? null : Format.Plain(r.Usage.OutputTokens),
                r is null ? null : Format.Plain(r.Usage.TotalTokens)));
        }

        return csv.ToString();
    }

    private static string? Number(decimal? value) => value?.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static string UniqueName(string stem, HashSet<string> used)
    {
        var safe = new string([.. stem.Select(c => Path.GetInvalidFileNameChars().Contains(c) ? '_' : c)]);
        var name = safe + ".json";
        for (var n = 2; !used.Add(name); n++)
        {
            name = $"{safe}-{n}.json";
        }

        return name;
    }
}
