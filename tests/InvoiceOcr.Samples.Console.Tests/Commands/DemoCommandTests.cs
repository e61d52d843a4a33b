using System.Globalization;
using InvoiceOcr.Emulator;
using InvoiceOcr.Samples.ConsoleApp.Commands;
using InvoiceOcr.Samples.ConsoleApp.Cli;

namespace InvoiceOcr.Samples.ConsoleApp.Tests.Commands;

public sealed class DemoCommandTests
{
    /// <summary>Every e-invoice PDF of the shared corpus and its invoice number (from the embedded XML, per SOURCES.md).</summary>
    private static readonly (string File, string InvoiceId)[] CorpusInvoices =
    [
        ("Avoir_FR_type381_BASIC.pdf", "AV-2017-0005"),
        ("EN16931_Einfach.pdf", "471102"),
        ("EN16931_Gutschrift.pdf", "471102"),
        ("EN16931_Innergemeinschaftliche_Lieferungen.pdf", "47110818"),
        ("EN16931_Miete.pdf", "9314110911/00/M/00/N"),
        ("EN16931_Rabatte.pdf", "471102"),
        ("EN16931_Reisekostenabrechnung.pdf", "280081"),
        ("Facture_FR_BASICWL.pdf", "FA-2017-0010"),
        ("Facture_UE_MINIMUM.pdf", "FA-2017-0008"),
        ("MustangGnuaccountingBeispielRE-20201121_508.pdf", "RE-20201121/508"),
        ("XRECHNUNG_Einfach.pdf", "471102"),
        ("acme_invoice-42_ZUGFeRD.pdf", "20131122-42"),
        ("zugferd_2p0_EXTENDED_Fremdwaehrung.pdf", "47110815"),
    ];

    [Fact]
    public async Task Demo_NoGeminiKey_PrintsSimulatedNoticeEveryCorpusInvoiceAndAUsageReportMatchingTheEmulatorLedger()
    {
        using var run = new ConsoleRun().WithCorpus();

        var exitCode = await run.RunAsync("demo");

        Assert.Equal(ExitCodes.Success, exitCode);
        var output = run.Output;
        Assert.Contains(DemoCommand.SimulatedNotice, output, StringComparison.Ordinal);
        Assert.Contains("bundled Gemini emulator", output, StringComparison.Ordinal);
        var lines = output.Split('\n');
        foreach (var (file, invoiceId) in CorpusInvoices)
        {
            Assert.Contains(lines, line => line.Contains(file, StringComparison.Ordinal) && line.Contains(invoiceId, StringComparison.Ordinal) && line.Contains("model", StringComparison.Ordinal));
        }

        // The embedded-first pass: one row read from the XML with zero tokens.
        var embedded = Assert.Single(lines, line => line.StartsWith("│ ", StringComparison.Ordinal) && line.Contains("e-invoice XML", StringComparison.Ordinal));
        Assert.Equal("0", TableCells(embedded)[^2]);

        // Every model call was billed by the emulator, and the usage report (from the SDK's ledger) adds up to the same tokens.
        Assert.Equal(CorpusInvoices.Length, run.EmulatorLedger.Count);
        var billed = run.EmulatorLedger.Sum(e => (long)e.TotalTokenCount);
        Assert.True(billed > 0);
        var totalRow = TableCells(Assert.Single(lines, line => line.StartsWith("│ Total", StringComparison.Ordinal)));
        Assert.Equal(billed, long.Parse(totalRow[^2], NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
        Assert.Equal(CorpusInvoices.Length.ToString(CultureInfo.InvariantCulture), totalRow[4]);
        Assert.Contains(lines, line => line.Contains("│ demo-company │ Berlin │ alice", StringComparison.Ordinal));
        Assert.Contains(lines, line => line.Contains("│ demo-company │ Paris  │ bob", StringComparison.Ordinal));

        // The demo key is stored and shown masked, never in full.
        Assert.Contains("test…0001", output, StringComparison.Ordinal);
        Assert.DoesNotContain("test-key-demo-emulator-0001", output + run.Errors, StringComparison.Ordinal);
        Assert.True(File.Exists(run.PathOf("invoiceocr.db")));
    }

    [Fact]
    public async Task Demo_RunTwiceOnTheSameDatabase_ReportsOnlyTheRunsOwnUsage()
    {
        using var run = new ConsoleRun().WithCorpus();
        Assert.Equal(ExitCodes.Success, await run.RunAsync("demo"));

        var exitCode = await run.RunAsync("demo");

        Assert.Equal(ExitCodes.Success, exitCode);
        var billed = run.EmulatorLedger.Sum(e => (long)e.TotalTokenCount);
        var totalRow = TableCells(Assert.Single(run.Output.Split('\n'), line => line.StartsWith("│ Total", StringComparison.Ordinal)));
        Assert.Equal(billed, long.Parse(totalRow[^2], NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Demo_KeyConfigured_CallsTheGivenEndpointWithThatKeyAndSaysNothingIsSimulated()
    {
        const string Secret = "test-key-console-demo-remote-0777";
        var options = new GeminiEmulatorOptions();
        options.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "remote", Project = "remote-project" });
        await using var remote = await GeminiEmulator.StartAsync(options, cancellationToken: TestContext.Current.CancellationToken);
        using var run = new ConsoleRun().WithCorpus().WithEnvironment("GEMINI_API_KEY", Secret);

        var exitCode = await run.RunAsync("demo", "--endpoint", remote.BaseAddress.ToString());

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.DoesNotContain(DemoCommand.SimulatedNotice, run.Output, StringComparison.Ordinal);
        Assert.Contains("Calling Gemini", run.Output, StringComparison.Ordinal);
        Assert.Contains(DemoCommand.GeminiCompanyId, run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, run.Output + run.Errors, StringComparison.Ordinal);
        Assert.Equal(CorpusInvoices.Length, remote.Ledger.Entries.Count);
        Assert.Empty(run.EmulatorLedger); // No in-process emulator was started.
        var totalRow = TableCells(Assert.Single(run.Output.Split('\n'), line => line.StartsWith("│ Total", StringComparison.Ordinal)));
        Assert.Equal(remote.Ledger.Entries.Sum(e => (long)e.TotalTokenCount), long.Parse(totalRow[^2], NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Demo_CorpusAbsent_UsesTheAppsOwnGeneratedInvoicesWithCannedAnswers()
    {
        using var run = new ConsoleRun();
        var emptyCorpus = Directory.CreateDirectory(run.PathOf("no-corpus")).FullName;
        run.WithEnvironment("INVOICEOCR_CORPUS", emptyCorpus);

        var exitCode = await run.RunAsync("demo");

        Assert.Equal(ExitCodes.Success, exitCode);
        var output = run.Output;
        Assert.Contains(DemoCommand.SimulatedNotice, output, StringComparison.Ordinal);
        Assert.Contains("canned answers", output, StringComparison.Ordinal);
        var lines = output.Split('\n');
        Assert.Contains(lines, l => l.Contains("sample-invoice-1001.pdf", StringComparison.Ordinal) && l.Contains("INV-1001", StringComparison.Ordinal) && l.Contains("148.27", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("sample-invoice-2002.pdf", StringComparison.Ordinal) && l.Contains("2026-0042", StringComparison.Ordinal) && l.Contains("GBP", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("sample-invoice-3003.pdf", StringComparison.Ordinal) && l.Contains("MH/2025-26/0317", StringComparison.Ordinal) && l.Contains("15,930.00", StringComparison.Ordinal));
        Assert.Equal(3, run.EmulatorLedger.Count);
        var totalRow = TableCells(Assert.Single(lines, line => line.StartsWith("│ Total", StringComparison.Ordinal)));
        Assert.Equal(run.EmulatorLedger.Sum(e => (long)e.TotalTokenCount), long.Parse(totalRow[^2], NumberStyles.AllowThousands, CultureInfo.InvariantCulture));
    }

    private static string[] TableCells(string line) =>
        [.. line.Split('│', StringSplitOptions.TrimEntries).Where((_, i) => i > 0).SkipLast(1)];
}
