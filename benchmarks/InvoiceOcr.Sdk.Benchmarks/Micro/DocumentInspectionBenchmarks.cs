using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using InvoiceOcr.Sdk.Benchmarks.Support;
using InvoiceOcr.Sdk.Documents;
using Microsoft.Extensions.Logging.Abstractions;

namespace InvoiceOcr.Sdk.Benchmarks.Micro;

/// <summary>
/// Document intake as the extractor runs it before every model call: sniffing, the PDF structure read (page count,
/// encryption, attachments), SHA-256. Baseline: SHA-256 of the same bytes, the least any intake must do. Documents: the
/// load run's one-page PDF and a real four-page Factur-X invoice from the shared corpus (read in place at setup, never
/// copied into the repository; set <c>INVOICEOCR_CORPUS</c> when the corpus is not beside the repository).
/// </summary>
[MemoryDiagnoser]
public class DocumentInspectionBenchmarks
{
    /// <summary>The load run's one-page PDF.</summary>
    public const string OnePage = "benchmark one-page";

    /// <summary>A real four-page Factur-X invoice with its embedded XML.</summary>
    public const string Corpus = "zugferd/EN16931_Miete.pdf";

    private readonly DocumentOptions _options = new();
    private DocumentInspector _inspector = null!;
    private InvoiceDocument _document = null!;
    private byte[] _bytes = [];

    [Params(OnePage, Corpus)]
    public string Document { get; set; } = OnePage;

    [GlobalSetup]
    public void Setup()
    {
        _bytes = Document == OnePage ? BenchmarkPdf.Create() : File.ReadAllBytes(BenchmarkCorpus.Invoice(Document));
        _document = InvoiceDocument.FromBytes(_bytes, "bench.pdf");
        _inspector = new DocumentInspector(() => _options, TimeProvider.System, NullLogger.Instance, PdfDocumentReader.Read);
    }

    [Benchmark(Baseline = true, Description = "SHA-256 of the bytes")]
    public int Sha256() => SHA256.HashData(_bytes)[0];

    [Benchmark(Description = "PdfDocumentReader.Read (structure read)")]
    public int ReadPdf() => PdfDocumentReader.Read(_bytes, "bench.pdf", _options.MaxFileBytes).PageCount;

    [Benchmark(Description = "DocumentInspector.InspectAsync (intake)")]
    public async Task<int> Inspect() => (await _inspector.InspectAsync(_document).ConfigureAwait(false)).PageCount ?? 0;
}
