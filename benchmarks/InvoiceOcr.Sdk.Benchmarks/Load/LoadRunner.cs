using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk.Benchmarks.Support;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.Sdk.Invoices;
using InvoiceOcr.Sdk.Pipeline;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Benchmarks.Load;

/// <summary>
/// The macro figures: the SDK against the in-process emulator on loopback with zero model latency, each figure next to
/// a raw <see cref="HttpClient"/> posting the same request bytes in the same run.
/// </summary>
internal static class LoadRunner
{
    private const string Model = "gemini-2.5-flash";
    private const string Company = "company-load";
    private const string Secret = "test-key-load-benchmark-0001";

    /// <summary>The phases a run can be limited to with <c>--only</c> (comma-separated); all run by default.</summary>
    private static readonly string[] AllPhases = ["memory", "sqlite", "ledger", "alloc", "keys", "admission", "utilization"];

    /// <summary>Warm-up calls per path; a smoke run only proves the harness works, so it warms up briefly.</summary>
    private static int s_warmUpCalls = 300;

    public static async Task<int> RunAsync(string[] args)
    {
        var smoke = args.Contains("--smoke");
        var seconds = smoke ? 1.0 : 5.0;
        string? output = null;
        var phases = new HashSet<string>(AllPhases, StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--smoke":
                    break;
                case "--seconds" when i + 1 < args.Length && double.TryParse(args[i + 1], NumberStyles.Float, CultureInfo.InvariantCulture, out var s) && s > 0:
                    seconds = s;
                    i++;
                    break;
                case "--out" when i + 1 < args.Length:
                    output = args[++i];
                    break;
                case "--only" when i + 1 < args.Length && args[i + 1].Split(',').All(p => AllPhases.Contains(p, StringComparer.OrdinalIgnoreCase)):
                    phases = new HashSet<string>(args[++i].Split(','), StringComparer.OrdinalIgnoreCase);
                    break;
                default:
                    await Console.Error.WriteLineAsync($"Unknown load option '{args[i]}'. Usage: load [--smoke] [--seconds N] [--out results.md] [--only {string.Join(',', AllPhases)}]");
                    return 2;
            }
        }

        // The utilization phase runs on a scaled clock for whole fake minutes (~15 s even in a smoke run): the CI smoke
        // (eng/bench-smoke.sh) leaves it out unless it is asked for with --only.
        if (smoke && !args.Contains("--only"))
        {
            phases.Remove("utilization");
        }

        var phase = TimeSpan.FromSeconds(seconds);
        s_warmUpCalls = smoke ? 20 : 300;
        var figures = new List<Figure>();
        var emulatorOptions = new GeminiEmulatorOptions { Seed = 1 };
        emulatorOptions.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "load-key", Project = "p-load" });
        await using var emulator = await GeminiEmulator.StartAsync(emulatorOptions);
        var pdf = BenchmarkPdf.Create();
        var document = InvoiceDocument.FromBytes(pdf, "load.pdf");
        var body = await BuildBodyAsync(pdf);
        using var raw = new RawClient(emulator.BaseAddress, body);

        Console.WriteLine($"Load run: {phase.TotalSeconds:0.#} s per phase, {Environment.ProcessorCount} cores, emulator at {emulator.BaseAddress}");

        // 1. In-memory store: the whole extractor, and the model-call path alone (key pool, retries, HTTP, usage).
        if (phases.Contains("memory"))
        {
            await using var memory = await SdkHost.StartAsync(sqlite: false, emulator.BaseAddress);
            await AddCompanyKeyAsync(memory);
            var extractor = memory.Services.GetRequiredService<IInvoiceExtractor>();
            var modelCall = ModelCallPath(memory, pdf);
            Func<Task> extract = () => extractor.ExtractAsync(document, new ExtractionContext(Company));

            await WarmUpAsync(raw.PostAsync, extract, modelCall);
            var (rawSeq, sdkSeq) = await SequentialAsync(raw.PostAsync, extract, phase);
            var (rawCallSeq, callSeq) = await SequentialAsync(raw.PostAsync, modelCall, phase);
            figures.Add(Overhead("SDK overhead p50, sequential, in-memory (extractor)", rawSeq, sdkSeq, 0.50, 0.05));
            figures.Add(Overhead("SDK overhead p99, sequential, in-memory (extractor)", rawSeq, sdkSeq, 0.99, 0.05));
            figures.Add(Overhead("SDK overhead p50, sequential, in-memory (model-call path)", rawCallSeq, callSeq, 0.50, 0.05));
            figures.Add(Overhead("SDK overhead p99, sequential, in-memory (model-call path)", rawCallSeq, callSeq, 0.99, 0.05));

            foreach (var concurrency in new[] { 1, 16, 64 })
            {
                var (rawRate, rawLat) = await ThroughputAsync(raw.PostAsync, concurrency, phase);
                var (sdkRate, sdkLat) = await ThroughputAsync(extract, concurrency, phase);
                var ratio = sdkRate / rawRate;
                figures.Add(new Figure(
                    $"Throughput at concurrency {concurrency} (extractor / raw)",
                    $"{ratio:0.00}x ({sdkRate:0} vs {rawRate:0} calls/s)",
                    ">= 0.90x",
                    ratio >= 0.90));
                if (concurrency == 64)
                {
                    var added = sdkLat.Percentile(0.99) - rawLat.Percentile(0.99);
                    figures.Add(new Figure(
                        "Added p99 at concurrency 64 (extractor - raw)",
                        $"{added:0.00} ms (p99 {sdkLat.Percentile(0.99):0.00} vs {rawLat.Percentile(0.99):0.00} ms)",
                        "<= 2 ms",
                        added <= 2.0));
                }
            }

            var (rawRate16, _) = await ThroughputAsync(raw.PostAsync, 16, phase);
            var (callRate16, _) = await ThroughputAsync(modelCall, 16, phase);
            figures.Add(new Figure(
                "Throughput at concurrency 16 (model-call path / raw)",
                $"{callRate16 / rawRate16:0.00}x ({callRate16:0} vs {rawRate16:0} calls/s)",
                ">= 0.90x",
                callRate16 / rawRate16 >= 0.90));
        }

        // 2. SQLite: quota reservation on every call and the durable usage ledger (group commit, outbox).
        if (phases.Contains("sqlite"))
        {
            // Both ledger durability levels: the default fsyncs every ledger commit (power-loss safe); the other
            // relies on WAL with synchronous = NORMAL (safe against a process kill, not an OS crash).
            // The disk measurements' scratch files go beside the SQLite hosts' folders (SdkHost), on the same disk.
            var scratch = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "invoiceocr-bench")).FullName;
            foreach (var (durability, label) in new[]
            {
                (SqliteLedgerDurability.SurvivesPowerLoss, "SQLite quota + durable ledger"),
                (SqliteLedgerDurability.SurvivesProcessCrash, "SQLite quota + ledger surviving a process crash"),
            })
            {
                await using var sqlite = await SdkHost.StartAsync(sqlite: true, emulator.BaseAddress, services =>
                    services.Configure<SqliteStoreOptions>(o => o.LedgerDurability = durability));
                await AddCompanyKeyAsync(sqlite, new QuotaLimits { RequestsPerMinute = int.MaxValue, TokensPerDay = long.MaxValue });
                var extractor = sqlite.Services.GetRequiredService<IInvoiceExtractor>();
                var modelCall = ModelCallPath(sqlite, pdf);
                Func<Task> extract = () => extractor.ExtractAsync(document, new ExtractionContext(Company));
                await WarmUpAsync(raw.PostAsync, extract, modelCall);
                var (rawSeq, sdkSeq) = await SequentialAsync(raw.PostAsync, extract, phase);
                using var storeTimes = new StoreOperationTimes(sqlite.Services.GetRequiredService<IMeterFactory>());
                var (rawCallSeq, callSeq) = await SequentialAsync(raw.PostAsync, modelCall, phase);
                figures.Add(Overhead($"SDK overhead p50, sequential, {label} (extractor)", rawSeq, sdkSeq, 0.50, 0.30));
                figures.Add(Overhead($"SDK overhead p99, sequential, {label} (extractor)", rawSeq, sdkSeq, 0.99, 0.30));
                figures.Add(Overhead($"SDK overhead p50, sequential, {label} (model-call path)", rawCallSeq, callSeq, 0.50, 0.30));
                figures.Add(Overhead($"SDK overhead p99, sequential, {label} (model-call path)", rawCallSeq, callSeq, 0.99, 0.30));
                figures.AddRange(storeTimes.Figures($"{label} (model-call path)", callSeq.Count));
                if (durability == SqliteLedgerDurability.SurvivesProcessCrash)
                {
                    // The default durability syncs once per call, after the model's answer: with today's store work no design
                    // costs less than this path plus one synced write, timed where it happens (inside the call, where an fsync
                    // costs more than in a quiet loop). Said next to the target, so a slow disk reads as one.
                    using var synced = new DiskFloor.SyncedWriter(scratch);
                    var (rawSynced, callSynced) = await SequentialAsync(
                        raw.PostAsync,
                        async () =>
                        {
                            await modelCall();
                            synced.WriteAndSync();
                        },
                        phase);
                    figures.Add(Overhead($"SDK overhead p50, sequential, {label} + one synced 4 KiB write per call (model-call path): the least a once-per-call sync allows here", rawSynced, callSynced, 0.50, 0.80));
                }
            }

            figures.AddRange(DiskFloor.Measure(scratch));
        }

        // 3. The SQLite usage ledger and the database logger on their own.
        if (phases.Contains("ledger"))
        {
            await using var sqlite = await SdkHost.StartAsync(sqlite: true, emulator.BaseAddress);
            figures.Add(await LedgerBatchThroughputAsync(sqlite, phase));
            figures.Add(await LedgerGroupCommitThroughputAsync(sqlite, phase));
            figures.AddRange(await LoggerThroughputAsync(sqlite, phase));
        }

        // 4. Peak managed allocation of one 10 MB PDF request (the model answers from a stub so only the SDK allocates).
        if (phases.Contains("alloc"))
        {
            figures.AddRange(await LargeDocumentAllocationAsync());
        }

        // 5. Key acquisition with 10, 1k and 100k companies.
        if (phases.Contains("keys"))
        {
            figures.AddRange(await KeyAcquisitionScalingAsync(phase));
        }

        // 6. Admission + settlement on SQLite and PostgreSQL, 1 and 4 OS processes (AdmissionRunner).
        if (phases.Contains("admission"))
        {
            figures.AddRange(await AdmissionRunner.RunAsync(phase));
        }

        // 7. Quota utilization on a backlog: the job worker next to a plain Polly retry loop (UtilizationRunner).
        if (phases.Contains("utilization"))
        {
            figures.AddRange(await UtilizationRunner.RunAsync(smoke));
        }

        var table = Render(figures, phase, smoke);
        Console.WriteLine(table);
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, table);
        }

        return 0;
    }

    private static async Task AddCompanyKeyAsync(SdkHost host, QuotaLimits? rates = null)
    {
        var store = host.Services.GetRequiredService<IApiKeyStore>();
        await store.AddAsync(new ApiKey { Id = "load-key", CompanyId = Company, ProjectId = "p-load", Secret = Secret, Rates = rates ?? QuotaLimits.None }, CancellationToken.None);
    }

    /// <summary>The key pool, retry policy, HTTP call, answer parsing and usage ledger, without document inspection and invoice validation.</summary>
    private static Func<Task> ModelCallPath(SdkHost host, byte[] pdf)
    {
        var pipeline = host.Services.GetRequiredService<ModelCallPipeline>();
        var request = new GeminiGenerateRequest(pdf, "application/pdf", InvoicePrompt.SystemInstruction, InvoicePrompt.UserPrompt, InvoiceSchema.ResponseJsonSchema) { Model = Model };
        var context = new ExtractionContext(Company);
        return () => pipeline.ExecuteAsync(
            // As the extractor builds it for a call without an idempotency key (a generated operation id).
            new ModelCallContext(context, Guid.CreateVersion7().ToString("N"), request, 0, 10_000) { FileName = "load.pdf", IsReplayable = false },
            CancellationToken.None).AsTask();
    }

    /// <summary>The exact bytes the SDK posts for <paramref name="pdf"/>, so the raw client sends the same request.</summary>
    internal static async Task<byte[]> BuildBodyAsync(byte[] pdf)
    {
        var request = new GeminiGenerateRequest(pdf, "application/pdf", InvoicePrompt.SystemInstruction, InvoicePrompt.UserPrompt, InvoiceSchema.ResponseJsonSchema) { Model = Model };
        var dto = GeminiClient.BuildRequest(request, new GeminiOptions(), new GeminiPart { InlineData = new GeminiInlineData { MimeType = "application/pdf" } });
        using var content = GenerateContentHttpContent.Create(dto, pdf);
        return await content.ReadAsByteArrayAsync();
    }

    private static async Task WarmUpAsync(params Func<Task>[] calls)
    {
        foreach (var call in calls)
        {
            for (var i = 0; i < s_warmUpCalls; i++)
            {
                await call();
            }
        }
    }

    /// <summary>Alternates raw and SDK calls one by one, so both see the same machine state.</summary>
    private static async Task<(Latencies Raw, Latencies Sdk)> SequentialAsync(Func<Task> raw, Func<Task> sdk, TimeSpan duration)
    {
        var rawLatencies = new Latencies();
        var sdkLatencies = new Latencies();
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency * 2);
        while (Stopwatch.GetTimestamp() < until)
        {
            var start = Stopwatch.GetTimestamp();
            await raw();
            rawLatencies.Add(start);
            start = Stopwatch.GetTimestamp();
            await sdk();
            sdkLatencies.Add(start);
        }

        return (rawLatencies, sdkLatencies);
    }

    private static async Task<(double PerSecond, Latencies Latencies)> ThroughputAsync(Func<Task> call, int concurrency, TimeSpan duration)
    {
        var latencies = new Latencies();
        var completed = 0L;
        var started = Stopwatch.GetTimestamp();
        var until = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                var start = Stopwatch.GetTimestamp();
                await call();
                latencies.Add(start);
                Interlocked.Increment(ref completed);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return (completed / Stopwatch.GetElapsedTime(started).TotalSeconds, latencies);
    }

    private static Figure Overhead(string name, Latencies raw, Latencies sdk, double q, double targetMs)
    {
        var added = sdk.Percentile(q) - raw.Percentile(q);
        return new Figure(
            name,
            string.Create(CultureInfo.InvariantCulture, $"{added:0.000} ms ({sdk.Percentile(q):0.000} vs raw {raw.Percentile(q):0.000} ms, {sdk.Percentile(q) / raw.Percentile(q):0.00}x, n={sdk.Count})"),
            string.Create(CultureInfo.InvariantCulture, $"<= {targetMs:0.00} ms"),
            added <= targetMs);
    }

    private static UsageRecord Record(string id) => new()
    {
        Id = id,
        OperationId = id,
        CompanyId = Company,
        KeyId = "load-key",
        Model = Model,
        InputTokens = 1_912,
        OutputTokens = 96,
        TextTokens = 1_654,
        DocumentTokens = 258,
        TotalTokens = 2_008,
        StartedAt = DateTimeOffset.UtcNow,
        CompletedAt = DateTimeOffset.UtcNow,
        Outcome = UsageOutcome.Success,
    };

    private static async Task<Figure> LedgerBatchThroughputAsync(SdkHost host, TimeSpan duration)
    {
        var writer = host.Services.GetRequiredService<IUsageLedgerBatchWriter>();
        var rows = 0L;
        var batch = 0;
        var started = Stopwatch.GetTimestamp();
        var until = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < until)
        {
            var prefix = "batch-" + batch++.ToString(CultureInfo.InvariantCulture) + "-";
            var records = Enumerable.Range(0, 256).Select(i => Record(prefix + i.ToString(CultureInfo.InvariantCulture))).ToList();
            rows += await writer.AppendBatchAsync(records, CancellationToken.None);
        }

        var perSecond = rows / Stopwatch.GetElapsedTime(started).TotalSeconds;
        return new Figure("Ledger write throughput, SQLite, 256-row batches", $"{perSecond:0} rows/s", ">= 100,000 rows/s", perSecond >= 100_000);
    }

    private static async Task<Figure> LedgerGroupCommitThroughputAsync(SdkHost host, TimeSpan duration)
    {
        var logger = host.Services.GetRequiredService<DurableUsageLogger>();
        var (perSecond, _) = await ThroughputWithIdAsync(id => logger.LogUsageAsync(Record("gc-" + id), CancellationToken.None).AsTask(), 64, duration);
        return new Figure(
            "Ledger write throughput, SQLite, 64 callers through the durable logger (group commit)",
            $"{perSecond:0} rows/s acknowledged",
            ">= 100,000 rows/s",
            perSecond >= 100_000,
            "each call returns only once its row is committed");
    }

    private static async Task<(double PerSecond, long Count)> ThroughputWithIdAsync(Func<string, Task> call, int concurrency, TimeSpan duration)
    {
        var next = 0L;
        var started = Stopwatch.GetTimestamp();
        var until = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < until)
            {
                await call(Interlocked.Increment(ref next).ToString(CultureInfo.InvariantCulture));
            }
        })).ToArray();
        await Task.WhenAll(workers);
        return (next / Stopwatch.GetElapsedTime(started).TotalSeconds, next);
    }

    private static async Task<IEnumerable<Figure>> LoggerThroughputAsync(SdkHost host, TimeSpan duration)
    {
        var sink = host.Services.GetRequiredService<IApplicationLogSink>();
        await using var provider = new DatabaseLoggerProvider(() => sink, Options.Create(new DatabaseLoggerOptions()));
        var logger = provider.CreateLogger("InvoiceOcr.Benchmarks.Load");
        var events = 0L;
        var started = Stopwatch.GetTimestamp();
        var until = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            var local = 0L;
            while (Stopwatch.GetTimestamp() < until)
            {
                for (var i = 0; i < 64; i++)
                {
                    LogEvent(logger, w, local++);
                }
            }

            Interlocked.Add(ref events, local);
        })).ToArray();
        await Task.WhenAll(workers);
        var elapsed = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var accepted = events / elapsed;
        await provider.DisposeAsync();
        var written = provider.WrittenCount;
        var dropped = provider.DroppedCount;
        return
        [
            new Figure(
                "Logger throughput, 4 threads into the database logger (events/s accepted)",
                $"{accepted:0} events/s",
                ">= 200,000 events/s",
                accepted >= 200_000,
                $"{written} written to ApplicationLogs, {dropped} dropped by the bounded queue (drop-oldest, the caller never waits)"),
        ];
    }

    private static void LogEvent(ILogger logger, int worker, long i) => Log.Event(logger, worker, i);

    private static async Task<IEnumerable<Figure>> LargeDocumentAllocationAsync()
    {
        var pdf = BenchmarkPdf.Create(pages: 1, paddingBytes: 10 * 1024 * 1024);
        var document = InvoiceDocument.FromBytes(pdf, "large.pdf");
        await using var host = await SdkHost.StartAsync(sqlite: false, new Uri("http://127.0.0.1:9/"), services =>
            services.AddHttpClient(GeminiClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new StubModelHandler()));
        await AddCompanyKeyAsync(host);
        var extractor = host.Services.GetRequiredService<IInvoiceExtractor>();
        var modelCall = ModelCallPath(host, pdf);

        for (var i = 0; i < 3; i++)
        {
            await extractor.ExtractAsync(document, new ExtractionContext(Company));
            await modelCall();
        }

        var extractorBytes = await MeasureAllocatedAsync(() => extractor.ExtractAsync(document, new ExtractionContext(Company)));
        var modelCallBytes = await MeasureAllocatedAsync(modelCall);
        double size = pdf.Length;
        return
        [
            new Figure(
                "Managed allocation of one 10 MB PDF request (extractor)",
                string.Create(CultureInfo.InvariantCulture, $"{extractorBytes / 1048576.0:0.0} MiB = {extractorBytes / size:0.00}x the file"),
                "<= 2x the file",
                extractorBytes <= 2 * size,
                "everything allocated during the call, an upper bound of its peak; includes PdfPig reading the file"),
            new Figure(
                "Managed allocation of one 10 MB PDF request (model-call path)",
                string.Create(CultureInfo.InvariantCulture, $"{modelCallBytes / 1048576.0:0.00} MiB = {modelCallBytes / size:0.00}x the file"),
                "<= 2x the file",
                modelCallBytes <= 2 * size,
                "request building and streaming, answer parsing, key pool and ledger"),
        ];
    }

    private static async Task<long> MeasureAllocatedAsync(Func<Task> call)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        await call();
        return GC.GetTotalAllocatedBytes(precise: true) - before;
    }

    private static async Task<IEnumerable<Figure>> KeyAcquisitionScalingAsync(TimeSpan duration)
    {
        var usage = new TokenUsage { InputTokens = 1_900, OutputTokens = 100, TotalTokens = 2_000 };
        var results = new List<(int Companies, double Micros)>();
        foreach (var companies in new[] { 10, 1_000, 100_000 })
        {
            await using var host = await SdkHost.StartAsync(sqlite: false);
            await host.AddKeysAsync(companies, i => "test-key-scale-" + i.ToString(CultureInfo.InvariantCulture));
            var provider = host.Services.GetRequiredService<ITokenProvider>();
            var random = new Random(7);
            async Task OneAsync()
            {
                var lease = await provider.AcquireAsync(new KeyLeaseRequest(SdkHost.CompanyId(random.Next(companies)), Model, 10_000), CancellationToken.None);
                await provider.SettleAsync(lease, usage, default, CancellationToken.None);
            }

            for (var i = 0; i < s_warmUpCalls * 50; i++)
            {
                await OneAsync();
            }

            var count = 0L;
            var started = Stopwatch.GetTimestamp();
            var until = started + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            while (Stopwatch.GetTimestamp() < until)
            {
                for (var i = 0; i < 256; i++)
                {
                    await OneAsync();
                }

                count += 256;
            }

            results.Add((companies, Stopwatch.GetElapsedTime(started).TotalMicroseconds / count));
        }

        var baseline = results[0].Micros;
        return results.Select(r => new Figure(
            string.Create(CultureInfo.InvariantCulture, $"Key acquisition + settle, in-memory, {r.Companies:N0} companies"),
            string.Create(CultureInfo.InvariantCulture, $"{r.Micros:0.00} us = {r.Micros / baseline:0.00}x the 10-company cost"),
            "flat: <= 1.2x",
            r.Micros / baseline <= 1.2));
    }

    private static string Render(List<Figure> figures, TimeSpan phase, bool smoke)
    {
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"Load figures ({(smoke ? "SMOKE, not representative" : "full")}; {phase.TotalSeconds:0.#} s per phase; {Environment.ProcessorCount} cores; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription})");
        text.AppendLine();
        text.AppendLine("| Figure | Measured | Target | Met | Notes |");
        text.AppendLine("|---|---|---|---|---|");
        foreach (var f in figures)
        {
            var met = f.Met switch { true => "yes", false => "**no**", null => "-" };
            text.AppendLine(CultureInfo.InvariantCulture, $"| {f.Name} | {f.Value} | {f.Target} | {met} | {f.Notes} |");
        }

        return text.ToString();
    }

    /// <summary>Answers every generateContent with a fixed structured-JSON invoice after reading the whole request body.</summary>
    private sealed class StubModelHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is { } content)
            {
                await content.CopyToAsync(Stream.Null, cancellationToken);
            }

            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(ResponseShapes.StructuredInvoice) };
            response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            return response;
        }
    }

    /// <summary>A plain HttpClient posting prebuilt bytes: what the SDK's HTTP call costs with nothing around it.</summary>
    private sealed class RawClient : IDisposable
    {
        private readonly HttpClient _client;
        private readonly Uri _endpoint;
        private readonly byte[] _body;

        public RawClient(Uri baseAddress, byte[] body)
        {
            _client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
            _endpoint = new Uri(baseAddress, $"v1beta/models/{Model}:generateContent");
            _body = body;
        }

        public async Task PostAsync()
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(_body) };
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            message.Headers.TryAddWithoutValidation("x-goog-api-key", Secret);
            using var response = await _client.SendAsync(message, HttpCompletionOption.ResponseContentRead);
            response.EnsureSuccessStatusCode();
            _ = await response.Content.ReadAsByteArrayAsync();
        }

        public void Dispose() => _client.Dispose();
    }
}

internal static partial class Log
{
    [LoggerMessage(9001, LogLevel.Information, "Benchmark event {Worker}/{Sequence}")]
    public static partial void Event(ILogger logger, int worker, long sequence);
}
