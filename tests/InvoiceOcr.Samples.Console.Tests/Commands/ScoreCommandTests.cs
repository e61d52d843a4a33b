using System.Text.Json;
using InvoiceOcr.Samples.ConsoleApp.Cli;

namespace InvoiceOcr.Samples.ConsoleApp.Tests.Commands;

public sealed class ScoreCommandTests
{
    // invoice2data ground truth: five fields. The extraction (an `extract --out` file) has three right, one wrong
    // (total) and one missing (vendor name): precision 3/4, recall 3/5, F1 2/3.
    private const string Truth = """
        [{"invoice_number": "A-1", "date": "2024-01-02", "amount": 100.0, "currency": "EUR", "partner_name": "ACME GmbH", "desc": "not scored"}]
        """;

    private const string Extracted = """
        {"file": "a.pdf", "succeeded": true, "mode": "embedded-first",
         "invoice": {"invoiceId": "A-1", "invoiceDate": "2024-01-02", "total": 90.0, "currency": "EUR"}}
        """;

    [Fact]
    public async Task Score_KnownInvoice2DataPair_PrintsPrecisionRecallAndF1()
    {
        using var run = new ConsoleRun();
        await File.WriteAllTextAsync(run.PathOf("extracted.json"), Extracted, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(run.PathOf("truth.json"), Truth, TestContext.Current.CancellationToken);

        var exitCode = await run.RunAsync("score", "extracted.json", "truth.json");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("Precision 0.750  Recall 0.600  F1 0.667  Correct 3/5  Exact match: no", run.Output, StringComparison.Ordinal);
        Assert.Contains(run.Output.Split('\n'), l => l.Contains("│ total", StringComparison.Ordinal) && l.Contains("Wrong", StringComparison.Ordinal));
        Assert.Contains(run.Output.Split('\n'), l => l.Contains("│ vendor.name", StringComparison.Ordinal) && l.Contains("Missing", StringComparison.Ordinal));
        Assert.Contains("desc", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Score_Json_PrintsTheScoreAsJson()
    {
        using var run = new ConsoleRun();
        await File.WriteAllTextAsync(run.PathOf("extracted.json"), Extracted, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(run.PathOf("truth.json"), Truth, TestContext.Current.CancellationToken);

        var exitCode = await run.RunAsync("score", "extracted.json", "truth.json", "--json");

        Assert.Equal(ExitCodes.Success, exitCode);
        using var json = JsonDocument.Parse(run.Output);
        Assert.Equal(0.75, json.RootElement.GetProperty("precision").GetDouble(), 6);
        Assert.Equal(0.6, json.RootElement.GetProperty("recall").GetDouble(), 6);
        Assert.Equal(2d / 3, json.RootElement.GetProperty("f1").GetDouble(), 6);
        Assert.Equal(3, json.RootElement.GetProperty("correctFields").GetInt32());
    }

    [Fact]
    public async Task Score_TruthNotJson_FailsAsUsageError()
    {
        using var run = new ConsoleRun();
        await File.WriteAllTextAsync(run.PathOf("extracted.json"), Extracted, TestContext.Current.CancellationToken);
        await File.WriteAllTextAsync(run.PathOf("truth.json"), "not json", TestContext.Current.CancellationToken);

        var exitCode = await run.RunAsync("score", "extracted.json", "truth.json");

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("not valid JSON", run.Errors, StringComparison.Ordinal);
    }
}
