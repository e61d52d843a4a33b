using System.Diagnostics;
using System.Globalization;
using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Documents;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.Sdk.Tests.Documents;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace InvoiceOcr.Fuzz;

/// <summary>
/// One fuzz run: mutated inputs through document inspection, the e-invoice reader (embedded files, <c>ReadPdf</c>, <c>ReadXml</c>)
/// and, for every <see cref="ExtractorEvery"/>th input, the whole extractor against the Gemini emulator over loopback HTTP.
/// A crash is any exception other than <see cref="InvalidDocumentException"/> (the typed rejection), a rejected input that
/// reached the model, or an input that took longer than the parse time-out allows.
/// </summary>
internal static class FuzzRun
{
    private const int ExtractorEvery = 50;
    private const long MaxSeedBytes = 1024 * 1024;

    /// <summary>The parse time-out in the run: low, so a pathological mutant costs at most a second, as intake promises.</summary>
    private static readonly TimeSpan ParseTimeout = TimeSpan.FromSeconds(1);
    private const string Company = "fuzz-company";
    private const string Secret = "test-key-fuzz-0001";

    private static readonly string[] Extensions = [".pdf", ".png", ".jpg", ".jpeg", ".webp", ".heic", ".heif", ".xml"];

    public static async Task<int> RunAsync(int inputs, int seed, TimeSpan maxTime, long maxPeakBytes, string crashDir)
    {
        var (seeds, skipped) = LoadSeeds();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fuzz: seed={seed} inputs={inputs} corpus={seeds.Count} seeds ({skipped} corpus files over {MaxSeedBytes / (1024 * 1024)} MB not used), parse time-out {ParseTimeout.TotalSeconds:0.#} s"));

        var options = new DocumentOptions { PdfParseTimeout = ParseTimeout };
        var inspector = new DocumentInspector(() => options, TimeProvider.System, NullLogger.Instance, PdfDocumentReader.Read);
        var reader = new EInvoiceReader(NullLogger<EInvoiceReader>.Instance, new FixedOptions(options));
        await using var model = await ModelHarness.StartAsync();

        var random = new Random(seed);
        var mutator = new Mutator(random);
        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var crashes = new List<string>();
        var slowest = TimeSpan.Zero;
        var slowestKind = string.Empty;
        var extractorTime = TimeSpan.Zero;
        int extractorRuns = 0, extractorRejected = 0, modelCallsOnRejected = 0, modelCallsOnAccepted = 0;
        var watch = Stopwatch.StartNew();

        for (var index = 0; index < inputs; index++)
        {
            if (watch.Elapsed > maxTime)
            {
                crashes.Add(string.Create(CultureInfo.InvariantCulture, $"time: only {index} of {inputs} inputs ran within {maxTime.TotalSeconds:0} s"));
                break;
            }

            var input = mutator.Mutate(seeds[random.Next(seeds.Count)], seeds[random.Next(seeds.Count)]);
            var one = Stopwatch.StartNew();
            try
            {
                var outcome = await ThroughIntakeAsync(input, inspector, reader, readPdf: index % 10 == 0);
                Count(counts, outcome);
                if (one.Elapsed > TimeSpan.FromSeconds(3) && Environment.GetEnvironmentVariable("FUZZ_SAVE_SLOW") == "1")
                {
                    Console.Error.WriteLine("fuzz: slow " + Save(crashDir, seed, index, input, outcome + " " + one.Elapsed));
                }

                if (one.Elapsed > slowest)
                {
                    (slowest, slowestKind) = (one.Elapsed, outcome);
                }

                if (index % ExtractorEvery == 0)
                {
                    var extracting = Stopwatch.StartNew();
                    var (rejected, calls) = await model.ExtractAsync(input);
                    extractorTime += extracting.Elapsed;
                    extractorRuns++;
                    extractorRejected += rejected ? 1 : 0;
                    modelCallsOnRejected += rejected ? calls : 0;
                    modelCallsOnAccepted += rejected ? 0 : calls;
                    if (rejected && calls > 0)
                    {
                        crashes.Add(Save(crashDir, seed, index, input, $"a rejected input reached the model ({calls} calls)"));
                    }
                }
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                crashes.Add(Save(crashDir, seed, index, input, ex.GetType().FullName + ": " + ex.Message + Environment.NewLine + ex.StackTrace));
            }

        }

        using var process = Process.GetCurrentProcess();
        process.Refresh();
        var peak = process.PeakWorkingSet64;
        var rejections = counts.Where(c => c.Key.StartsWith("rejected:", StringComparison.Ordinal)).ToList();
        Console.WriteLine("fuzz: outcomes " + string.Join(", ", counts.Select(c => $"{c.Key}={c.Value}")));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fuzz: rejections={rejections.Sum(r => r.Value)} by kind: {string.Join(", ", rejections.Select(r => $"{r.Key["rejected:".Length..]}={r.Value}"))}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fuzz: extractor runs={extractorRuns} rejected={extractorRejected} model calls for rejected inputs={modelCallsOnRejected} (for accepted inputs: {modelCallsOnAccepted}) in {extractorTime.TotalSeconds:0.0} s"));
        if (peak > maxPeakBytes)
        {
            crashes.Add(string.Create(CultureInfo.InvariantCulture, $"memory: peak working set {peak / (1024 * 1024)} MB is over the {maxPeakBytes / (1024 * 1024)} MB bound"));
        }

        foreach (var crash in crashes)
        {
            Console.Error.WriteLine("fuzz: FAILURE " + crash);
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"fuzz: inputs={inputs} crashes={crashes.Count} slowest input through intake={slowest.TotalMilliseconds:0} ms ({slowestKind}) peak working set={peak / (1024 * 1024)} MB elapsed={watch.Elapsed.TotalSeconds:0.0} s"));
        return crashes.Count == 0 ? 0 : 1;
    }

    /// <summary>Runs one saved input through each entry point separately and prints each outcome and duration.</summary>
    public static async Task<int> ReplayAsync(byte[] input)
    {
        var options = new DocumentOptions { PdfParseTimeout = TimeSpan.FromSeconds(5) };
        var inspector = new DocumentInspector(() => options, TimeProvider.System, NullLogger.Instance, PdfDocumentReader.Read);
        var reader = new EInvoiceReader();
        await TimeAsync("read-stopped-after-2s", () =>
        {
            using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            return Task.FromResult(PdfDocumentReader.Read(input, "replay.bin", new PdfReadLimits(1000, 1000, stop.Token)).PageCount.ToString(CultureInfo.InvariantCulture));
        });
        await TimeAsync("inspect", async () => (await inspector.InspectAsync(InvoiceDocument.FromBytes(input, "replay.bin"))).Kind.ToString());
        await TimeAsync("readPdf", () => Task.FromResult(reader.ReadPdf(input) is null ? "no invoice" : "invoice"));
        await TimeAsync("pdfpig-guarded-open", () =>
        {
            using var doc = PdfDocumentReader.Open(input, PdfParseGuard.Unbounded());
            return Task.FromResult(doc.NumberOfPages.ToString(CultureInfo.InvariantCulture));
        });
        await TimeAsync("readXml", () => Task.FromResult(reader.ReadXml(new MemoryStream(input, writable: false)).InvoiceId ?? "mapped"));
        return 0;

        static async Task TimeAsync(string what, Func<Task<string>> run)
        {
            var watch = Stopwatch.StartNew();
            string outcome;
            try
            {
                outcome = await run();
            }
            catch (Exception ex)
            {
                outcome = ex.GetType().Name + ": " + ex.Message[..Math.Min(ex.Message.Length, 160)];
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{what}: {outcome} ({watch.Elapsed.TotalMilliseconds:0} ms)"));
        }
    }

    /// <summary>One input through intake the way the extractor takes it, and through the reader's public entry points.</summary>
    private static async Task<string> ThroughIntakeAsync(byte[] input, DocumentInspector inspector, EInvoiceReader reader, bool readPdf)
    {
        var kind = DocumentSniffer.Detect(input) is { } detected ? detected.ToString() : "other";
        if (LooksLikeXml(input))
        {
            try
            {
                reader.ReadXml(new MemoryStream(input, writable: false), "fuzz.xml");
                return "xml:mapped";
            }
            catch (InvalidDocumentException ex)
            {
                return "rejected:xml-" + ex.Reason;
            }
        }

        if (readPdf && kind == nameof(DocumentKind.Pdf))
        {
            try
            {
                reader.ReadPdf(input);
            }
            catch (InvalidDocumentException)
            {
                // Counted through intake below; ReadPdf only has to end typed.
            }
        }

        try
        {
            var inspected = await inspector.InspectAsync(InvoiceDocument.FromBytes(input, "fuzz.bin"));
            try
            {
                return reader.ReadEmbeddedFiles(inspected.EmbeddedFiles) is null ? "accepted:" + kind : "accepted:embedded-invoice";
            }
            catch (InvalidDocumentException ex)
            {
                return "rejected:embedded-" + ex.Reason;
            }
        }
        catch (InvalidDocumentException ex)
        {
            return "rejected:" + ex.Reason;
        }
    }

    private static bool LooksLikeXml(byte[] input)
    {
        var span = input.AsSpan();
        if (span.StartsWith("\uFEFF"u8))
        {
            span = span[3..];
        }

        span = span.TrimStart(" \t\r\n"u8);
        return span.Length > 0 && span[0] == (byte)'<';
    }

    private static void Count(SortedDictionary<string, int> counts, string outcome) => counts[outcome] = counts.GetValueOrDefault(outcome) + 1;

    private static (List<byte[]> Seeds, int Skipped) LoadSeeds()
    {
        var seeds = new List<byte[]>();
        var skipped = 0;
        foreach (var path in Directory.EnumerateFiles(SharedData.InvoicesRoot, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (!Extensions.Contains(Path.GetExtension(path).ToLowerInvariant()))
            {
                continue;
            }

            if (new FileInfo(path).Length > MaxSeedBytes)
            {
                skipped++;
                continue;
            }

            seeds.Add(File.ReadAllBytes(path));
        }

        // Hostile shapes the corpus lacks, small enough to mutate quickly; the 400 MiB bomb has its own memory test.
        seeds.Add(HostilePdfs.AttachmentBomb("factur-x.xml", 40L * 1024 * 1024));
        seeds.Add(HostilePdfs.AttachmentBomb("invoice.dat", 64 * 1024, viaAssociatedFiles: true, mimeType: null));
        seeds.Add(HostilePdfs.ObjectStreamBomb(80L * 1024 * 1024));
        seeds.Add(HostilePdfs.ObjectStreamBomb(64 * 1024));
        seeds.Add(HostilePdfs.CrossReferenceStreamBomb(80L * 1024 * 1024));
        seeds.Add(HostilePdfs.DeepPageTree(600));
        seeds.Add(HostilePdfs.CyclicPageTree(40));
        seeds.Add(HostilePdfs.OnePage());
        return (seeds, skipped);
    }

    private static string Save(string crashDir, int seed, int index, byte[] input, string what)
    {
        Directory.CreateDirectory(crashDir);
        var file = Path.Combine(crashDir, string.Create(CultureInfo.InvariantCulture, $"seed{seed}-input{index}.bin"));
        File.WriteAllBytes(file, input);
        return string.Create(CultureInfo.InvariantCulture, $"input {index} (seed {seed}, saved to {file}): {what}");
    }

    /// <summary>The SDK as a user registers it, against the Gemini emulator, counting the model calls it sends.</summary>
    private sealed class ModelHarness : IAsyncDisposable
    {
        private readonly GeminiEmulator _emulator;
        private readonly ServiceProvider _services;
        private readonly CallCounter _counter;

        private ModelHarness(GeminiEmulator emulator, ServiceProvider services, CallCounter counter)
        {
            _emulator = emulator;
            _services = services;
            _counter = counter;
        }

        public static async Task<ModelHarness> StartAsync()
        {
            var emulatorOptions = new GeminiEmulatorOptions { AnswerEmbeddedInvoices = false };
            emulatorOptions.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "fuzz", Project = "fuzz-project" });
            var emulator = await GeminiEmulator.StartAsync(emulatorOptions).ConfigureAwait(false);

            var services = new ServiceCollection();
            services.AddInvoiceOcr(options =>
            {
                options.Gemini.BaseAddress = emulator.BaseAddress;
                options.Documents.PdfParseTimeout = ParseTimeout;
                options.Retry.MaxRetryAttempts = 0;
            });
            var counter = new CallCounter();
            services.AddHttpClient(GeminiClient.HttpClientName).AddHttpMessageHandler(() => new CountingHandler(counter));
            var provider = services.BuildServiceProvider();
            await provider.GetRequiredService<IApiKeyStore>().AddAsync(
                new ApiKey { Id = "fuzz-key", CompanyId = Company, Secret = Secret, ProjectId = "fuzz-project" }, CancellationToken.None).ConfigureAwait(false);
            return new ModelHarness(emulator, provider, counter);
        }

        /// <summary>Extracts the input; returns whether intake rejected it and how many model calls the attempt sent.</summary>
        public async Task<(bool Rejected, int ModelCalls)> ExtractAsync(byte[] input)
        {
            var before = _counter.Calls;
            var rejected = false;
            try
            {
                await _services.GetRequiredService<IInvoiceExtractor>().ExtractAsync(InvoiceDocument.FromBytes(input, "fuzz.bin"), new ExtractionContext(Company)).ConfigureAwait(false);
            }
            catch (InvalidDocumentException)
            {
                rejected = true;
            }
            catch (InvoiceOcrException)
            {
                // A model answer that does not validate, or a quota refusal: typed, and not an intake matter.
            }

            return (rejected, _counter.Calls - before);
        }

        public async ValueTask DisposeAsync()
        {
            await _services.DisposeAsync().ConfigureAwait(false);
            await _emulator.DisposeAsync().ConfigureAwait(false);
        }
    }

    private sealed class FixedOptions(DocumentOptions value) : Microsoft.Extensions.Options.IOptionsMonitor<DocumentOptions>
    {
        public DocumentOptions CurrentValue => value;

        public DocumentOptions Get(string? name) => value;

        public IDisposable? OnChange(Action<DocumentOptions, string?> listener) => null;
    }

    private sealed class CallCounter
    {
        private int _calls;

        public int Calls => Volatile.Read(ref _calls);

        public void Add() => Interlocked.Increment(ref _calls);
    }

    private sealed class CountingHandler(CallCounter counter) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.AbsolutePath.Contains("generateContent", StringComparison.OrdinalIgnoreCase) == true)
            {
                counter.Add();
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
