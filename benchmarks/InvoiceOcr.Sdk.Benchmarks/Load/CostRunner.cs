using System.Globalization;
using System.Text;
using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk.Benchmarks.Support;
using InvoiceOcr.Sdk.Invoices;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Sdk.Benchmarks.Load;

/// <summary>
/// <c>cost [--corpus dir] [--out file.md]</c>: what one invoice of the corpus costs at gemini-2.5-flash list prices,
/// model-only through the calibrated emulator: tokens by kind (instruction, schema, document, output, thoughts, cached)
/// and money, interactive, interactive with implicit caching (each invoice extracted after another, so the stable prefix
/// is cached), and batch mode (the same tokens at the batch tier). Prints a Markdown table per one-page and multi-page invoice.
/// <c>--score</c> adds the accuracy scorer's results on the same run, per ground-truth kind: invoice2data's JSON files, and
/// the XML embedded in the e-invoices (read by the SDK's e-invoice reader). Through the emulator an answer is built from the
/// schema and, for an e-invoice, from that same XML, so the score shows whether every field survives the schema, the
/// request and the reader, not how well a real model reads the page.
/// </summary>
internal static class CostRunner
{
    private const string Secret = "test-key-cost-bench-0001";

    public static async Task<int> RunAsync(string[] args)
    {
        var corpus = Value(args, "--corpus") ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../shared/invoices"));
        var output = Value(args, "--out");
        var score = args.Contains("--score");
        var files = new[] { "invoice2data", "zugferd", "mustang", "pdfpig" }
            .Select(d => Path.Combine(corpus, d))
            .Where(Directory.Exists)
            .SelectMany(d => Directory.GetFiles(d, "*.pdf"))
            .Order(StringComparer.Ordinal)
            .ToList();
        if (files.Count == 0)
        {
            Console.Error.WriteLine("No corpus PDFs under " + corpus);
            return 1;
        }

        var instruction = GeminiTokenRules.EstimateTextTokens(InvoicePrompt.SystemInstruction) + GeminiTokenRules.EstimateTextTokens(InvoicePrompt.UserPrompt);
        var schema = GeminiTokenRules.EstimateSchemaTokens(InvoiceSchema.ResponseJsonSchemaText);
        var plain = await MeasureAsync(files, implicitCaching: false).ConfigureAwait(false);
        var cached = await MeasureAsync(files, implicitCaching: true).ConfigureAwait(false);
        var prices = new PriceTable(Microsoft.Extensions.Options.Options.Create(new PricingOptions()));

        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"Prompt {InvoicePrompt.Version}: instruction {instruction} tokens (estimate), response schema {schema} tokens (estimate); {plain.Count} corpus PDFs model-only through the emulator; gemini-2.5-flash list prices of {prices.PricesAsOf:yyyy-MM-dd}.");
        report.AppendLine();
        report.AppendLine("| invoice | mode | prompt text (instr.+schema) | document | cached | output | thoughts | USD per invoice | USD per page |");
        report.AppendLine("|---|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (label, pick) in new (string, Func<Row, bool>)[] { ("one-page", r => r.Pages == 1), ("multi-page", r => r.Pages > 1) })
        {
            var p = plain.Where(pick).ToList();
            var c = cached.Where(pick).ToList();
            if (p.Count == 0)
            {
                continue;
            }

            var pages = p.Average(r => (double)r.Pages);
            Line(report, $"{label} (mean of {p.Count}, {pages:0.#} pages)", "interactive", p, r => prices.Cost("gemini-2.5-flash", r.Usage)!.Value.Amount, pages);
            Line(report, $"{label} (mean of {c.Count})", "interactive, implicit caching", c, r => prices.Cost("gemini-2.5-flash", r.Usage)!.Value.Amount, pages);
            Line(report, $"{label} (mean of {p.Count})", "batch mode", p, r => prices.Cost("gemini-2.5-flash", r.Usage, ServiceTier.Batch)!.Value.Amount, pages);
        }

        if (score)
        {
            Score(report, plain);
        }

        report.AppendLine();
        report.AppendLine(await ProbeExplicitCacheAsync(prices, instruction, schema).ConfigureAwait(false));

        Console.Write(report.ToString());
        if (output is not null)
        {
            await File.WriteAllTextAsync(output, report.ToString()).ConfigureAwait(false);
        }

        return 0;
    }

    /// <summary>
    /// Asks the emulator for an explicit cache (<c>cachedContents</c>) of the part of the stable prefix a cache can hold: the
    /// system instruction. A cache holds contents, the system instruction and tools, never <c>generationConfig</c>, so the
    /// response schema is sent (and billed) with every call whether or not a cache is used.
    /// </summary>
    private static async Task<string> ProbeExplicitCacheAsync(PriceTable prices, long instruction, long schema)
    {
        var emulatorOptions = new GeminiEmulatorOptions();
        emulatorOptions.Models.Add(new EmulatorModelOptions { Id = "gemini-2.5-flash" });
        emulatorOptions.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-cost-bench", Project = "p-cost-bench" });
        await using var emulator = await GeminiEmulator.StartAsync(emulatorOptions).ConfigureAwait(false);
        using var http = new HttpClient { BaseAddress = emulator.BaseAddress };
        http.DefaultRequestHeaders.Add("x-goog-api-key", Secret);
        var body = new System.Text.Json.Nodes.JsonObject
        {
            ["model"] = "models/gemini-2.5-flash",
            ["systemInstruction"] = new System.Text.Json.Nodes.JsonObject { ["parts"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["text"] = InvoicePrompt.SystemInstruction }) },
            ["contents"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject
            {
                ["role"] = "user",
                ["parts"] = new System.Text.Json.Nodes.JsonArray(new System.Text.Json.Nodes.JsonObject { ["text"] = InvoicePrompt.UserPrompt }),
            }),
            ["ttl"] = "3600s",
        };
        using var content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        using var response = await http.PostAsync(new Uri("v1beta/cachedContents", UriKind.Relative), content).ConfigureAwait(false);
        var answer = await response.Content.ReadAsStringAsync().ConfigureAwait(false);
        var message = System.Text.Json.Nodes.JsonNode.Parse(answer)?["error"]?["message"]?.GetValue<string>() ?? "created";
        var storagePerHour = prices.CacheStorageCost("gemini-2.5-flash", instruction + schema, TimeSpan.FromHours(1))!.Value.Amount;
        return string.Create(CultureInfo.InvariantCulture,
            $"Explicit cache of the system instruction and user prompt ({instruction} tokens; the {schema}-token schema lives in generationConfig, which a cache cannot hold): HTTP {(int)response.StatusCode}, \"{message.Trim()}\". Were the whole prefix cacheable, storing it would cost {storagePerHour:0.000000} USD per hour.");
    }

    private static void Score(StringBuilder report, List<Row> rows)
    {
        var scorer = new InvoiceAccuracyScorer();
        var reader = new EInvoiceReader();
        var byTruth = new Dictionary<string, List<InvoiceAccuracyScore>>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            var truthJson = Path.ChangeExtension(row.Path, ".json");
            var (kind, scored) = File.Exists(truthJson)
                ? ("invoice2data JSON", scorer.Score(row.Invoice, File.ReadAllText(truthJson)))
                : reader.ReadPdf(File.ReadAllBytes(row.Path)) is { } truth
                    ? ("embedded e-invoice XML", scorer.Score(row.Invoice, truth))
                    : (null, null);
            if (kind is not null)
            {
                (byTruth.TryGetValue(kind, out var list) ? list : byTruth[kind] = []).Add(scored!);
            }
        }

        report.AppendLine();
        report.AppendLine("| ground truth | documents | precision | recall | F1 | exact match | correct fields |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|---:|");
        foreach (var (kind, scores) in byTruth.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var summary = InvoiceAccuracySummary.Create(scores);
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {kind} | {summary.Documents} | {summary.Precision:0.000} | {summary.Recall:0.000} | {summary.F1:0.000} | {summary.ExactMatchRate:0.000} | {scores.Sum(s => s.CorrectFields)}/{scores.Sum(s => s.ExpectedFields)} |");
        }
    }

    private static void Line(StringBuilder report, string label, string mode, List<Row> rows, Func<Row, decimal> cost, double pages)
    {
        var usd = rows.Average(cost);
        report.AppendLine(CultureInfo.InvariantCulture,
            $"| {label} | {mode} | {rows.Average(r => r.Usage.TextTokens):0} | {rows.Average(r => r.Usage.DocumentTokens + r.Usage.ImageTokens):0} | {rows.Average(r => r.Usage.CachedTokens):0} | {rows.Average(r => r.Usage.OutputTokens):0} | {rows.Average(r => r.Usage.ThoughtsTokens):0} | {usd:0.000000} | {usd / (decimal)pages:0.000000} |");
    }

    private static async Task<List<Row>> MeasureAsync(List<string> files, bool implicitCaching)
    {
        var emulatorOptions = new GeminiEmulatorOptions();
        emulatorOptions.Models.Add(new EmulatorModelOptions { Id = "gemini-2.5-flash", ImplicitCaching = implicitCaching });
        emulatorOptions.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-cost-bench", Project = "p-cost-bench" });
        await using var emulator = await GeminiEmulator.StartAsync(emulatorOptions).ConfigureAwait(false);
        await using var host = await SdkHost.StartAsync(sqlite: false, emulator.BaseAddress).ConfigureAwait(false);
        await host.AddKeysAsync(1, _ => Secret).ConfigureAwait(false);
        var extractor = host.Services.GetRequiredService<IInvoiceExtractor>();
        var rows = new List<Row>();
        foreach (var file in files)
        {
            try
            {
                var result = await extractor.ExtractAsync(InvoiceDocument.FromBytes(await File.ReadAllBytesAsync(file).ConfigureAwait(false), Path.GetFileName(file)), new ExtractionContext(SdkHost.CompanyId(0))).ConfigureAwait(false);
                var pages = (int)Math.Max(1, Math.Round((result.Usage.DocumentTokens + result.Usage.ImageTokens) / 258.0));
                rows.Add(new Row(file, pages, result.Usage, result.Invoice));
            }
            catch (InvoiceOcrException ex)
            {
                Console.Error.WriteLine($"{Path.GetFileName(file)}: {ex.Kind}");
            }
        }

        return rows;
    }

    private static string? Value(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }

    private sealed record Row(string Path, int Pages, TokenUsage Usage, Invoice Invoice);
}
