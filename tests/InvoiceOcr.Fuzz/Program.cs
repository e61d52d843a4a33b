// Seeded fuzzing of the SDK's intake and e-invoice reader (issue 14), and the child process of the attachment-bomb memory test.
//
//   dotnet InvoiceOcr.Fuzz.dll [--inputs 10000] [--seed 14] [--max-seconds 300] [--max-peak-mb 1024] [--crash-dir DIR]
//   dotnet InvoiceOcr.Fuzz.dll inspect FILE      (prints the outcomes and the process's peak working set)
//   dotnet InvoiceOcr.Fuzz.dll replay FILE       (runs a saved failing input through each entry point, timed)
//   FUZZ_SAVE_SLOW=1 also saves inputs that took over 3 s (to the crash folder), for finding slow paths.
//
// Why a seeded, structure-aware mutator and not SharpFuzz: SharpFuzz needs AFL or libFuzzer driving an instrumented assembly,
// neither of which installs from the package registries this project's machines and CI reach, and coverage-guided runs are
// open-ended rather than a fixed, replayable count per CI run. The mutator (Mutator.cs) starts from the real corpus
// (../shared/invoices: PDFs, images, embedded XML) and the hostile PDFs the unit tests build, so every run checks the same
// 10,000 inputs for a seed, and any failure is replayed from the seed and the input index it prints.
using System.Diagnostics;
using System.Globalization;
using InvoiceOcr.Fuzz;
using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Documents;
using Microsoft.Extensions.Logging.Abstractions;

if (args.Length == 2 && args[0] == "inspect")
{
    return await InspectOneAsync(args[1]);
}

if (args.Length == 2 && args[0] == "replay")
{
    return await FuzzRun.ReplayAsync(await File.ReadAllBytesAsync(args[1]));
}

var inputs = IntOption("--inputs", 10_000);
var seed = IntOption("--seed", 14);
var maxSeconds = IntOption("--max-seconds", 300);
var maxPeakMb = IntOption("--max-peak-mb", 1024);
var crashDir = StringOption("--crash-dir", Path.Combine(Path.GetTempPath(), "invoiceocr-fuzz-crashes"));
return await FuzzRun.RunAsync(inputs, seed, TimeSpan.FromSeconds(maxSeconds), maxPeakMb * 1024L * 1024, crashDir);

int IntOption(string name, int fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? int.Parse(args[at + 1], CultureInfo.InvariantCulture) : fallback;
}

string StringOption(string name, string fallback)
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? args[at + 1] : fallback;
}

// One document through intake (with its attachments read as EmbeddedFirst does) and through EInvoiceReader.ReadPdf, then the
// peak working set of this process: the memory test runs this in a child so no other test's memory is counted.
static async Task<int> InspectOneAsync(string path)
{
    var bytes = await File.ReadAllBytesAsync(path);
    var options = new DocumentOptions();
    var inspector = new DocumentInspector(() => options, TimeProvider.System, NullLogger.Instance, PdfDocumentReader.Read);
    var reader = new EInvoiceReader();
    string inspect;
    try
    {
        var inspected = await inspector.InspectAsync(InvoiceDocument.FromBytes(bytes, Path.GetFileName(path)));
        var invoice = reader.ReadEmbeddedFiles(inspected.EmbeddedFiles);
        inspect = invoice is null ? "Accepted" : "EmbeddedInvoice";
    }
    catch (InvalidDocumentException ex)
    {
        inspect = "Rejected:" + ex.Reason;
    }

    string readPdf;
    try
    {
        readPdf = reader.ReadPdf(bytes) is null ? "NoInvoice" : "EmbeddedInvoice";
    }
    catch (InvalidDocumentException ex)
    {
        readPdf = "Rejected:" + ex.Reason;
    }

    using var process = Process.GetCurrentProcess();
    process.Refresh();
    Console.WriteLine(string.Create(
        CultureInfo.InvariantCulture,
        $"inspect={inspect} readPdf={readPdf} peakWorkingSetBytes={process.PeakWorkingSet64} totalAllocatedBytes={GC.GetTotalAllocatedBytes()}"));
    return 0;
}
