using System.Text.Json;
using InvoiceOcr.Samples.ConsoleApp.Cli;
using InvoiceOcr.Samples.ConsoleApp.Commands;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Samples.ConsoleApp.Tests.Commands;

/// <summary><c>batch …</c> run in-process as the program runs it, with the SDK's job worker and the bundled emulator.</summary>
public sealed class BatchCommandTests
{
    [Fact]
    public async Task BatchRun_EmulatorFolder_CompletesAndWritesEveryItemsInvoiceAsJson()
    {
        using var run = new ConsoleRun();
        var folder = Folder(run, "zugferd/EN16931_Einfach.pdf", "zugferd/XRECHNUNG_Einfach.pdf");

        var exitCode = await run.RunAsync("batch", "run", folder, "--company", "acme", "--emulator", "--job-key", "month-end", "--out", "results.json", "--json");

        Assert.True(exitCode == ExitCodes.Success, run.Errors);
        using var json = JsonDocument.Parse(run.Output); // Nothing but one JSON document on standard output.
        Assert.StartsWith("job-", json.RootElement.GetProperty("jobId").GetString(), StringComparison.Ordinal);
        Assert.Equal(2, json.RootElement.GetProperty("added").GetInt32());
        Assert.Equal("Completed", json.RootElement.GetProperty("state").GetString());
        Assert.Equal(2, json.RootElement.GetProperty("progress").GetProperty("completed").GetInt32());

        using var results = JsonDocument.Parse(await File.ReadAllTextAsync(run.PathOf("results.json"), TestContext.Current.CancellationToken));
        var items = results.RootElement.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.All(items, i => Assert.Equal("Completed", i.GetProperty("state").GetString()));
        Assert.Contains(items, i => i.GetProperty("invoice").GetProperty("invoiceId").GetString() == "471102");
        Assert.Equal("month-end", results.RootElement.GetProperty("job").GetProperty("jobKey").GetString());
    }

    [Fact]
    public async Task BatchSubmitWait_SameDocumentTwiceUnderTwoNames_AddsItOnceAndShowsTheFinishedJob()
    {
        using var run = new ConsoleRun();
        var folder = Folder(run, "zugferd/EN16931_Einfach.pdf");
        File.Copy(Path.Combine(folder, "EN16931_Einfach.pdf"), Path.Combine(folder, "copy-of-Einfach.pdf"));

        var exitCode = await run.RunAsync("batch", "submit", folder, "--company", "acme", "--emulator", "--wait", "--out", "results.csv");

        Assert.True(exitCode == ExitCodes.Success, run.Errors);
        Assert.Contains("added 1, skipped 1 already in the job", run.Output, StringComparison.Ordinal);
        Assert.Contains("Completed", run.Output, StringComparison.Ordinal);
        Assert.Contains("1 of 1 finished (100%)", run.Output, StringComparison.Ordinal);
        var csv = await File.ReadAllLinesAsync(run.PathOf("results.csv"), TestContext.Current.CancellationToken);
        Assert.Equal(2, csv.Length);
        Assert.StartsWith("sequence,item,file,state", csv[0], StringComparison.Ordinal);
        Assert.Contains(",Completed,false,471102,", csv[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchStatus_UnknownJob_ExitsOneAndNamesTheMissingJob()
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("batch", "status", "job-does-not-exist", "--once");

        Assert.Equal(ExitCodes.Failure, exitCode);
        Assert.Contains("[JobNotFound]: There is no job 'job-does-not-exist'.", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchStatus_CompanyWithoutJobs_SaysSoAndExitsZero()
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("batch", "status", "--company", "acme", "--once");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("acme has no batch jobs.", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("batch", "status", "--once")]
    [InlineData("batch", "items", "job-1", "--state", "Done")]
    [InlineData("batch", "submit", ".", "--company", "acme", "--emulator")]
    [InlineData("batch", "submit", ".", "--company", "acme", "--out", "r.json")]
    [InlineData("batch", "submit", ".", "--company", "acme", "--fallback-interactive")]
    [InlineData("batch", "suspend")]
    public async Task Batch_BadUsage_ExitsTwo(params string[] args)
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync(args);

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.DoesNotContain("   at ", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BatchSubmit_BatchModeWithFallbackInteractive_TheJobKeepsTheChoiceAndStatusShowsIt()
    {
        using var run = new ConsoleRun();
        var folder = Folder(run, "zugferd/EN16931_Einfach.pdf");

        Assert.Equal(ExitCodes.Success, await run.RunAsync("batch", "submit", folder, "--company", "acme", "--batch-mode", "--fallback-interactive", "--json"));
        var jobId = JsonDocument.Parse(run.Output).RootElement.GetProperty("jobId").GetString()!;
        Assert.Equal(ExitCodes.Success, await run.RunAsync("batch", "status", jobId, "--once"));

        Assert.Contains("Gemini batch mode (falls back to interactive calls)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Batch_SubmitSteerAndFinishAcrossCommands_TheSqliteStoreKeepsTheJob()
    {
        using var run = new ConsoleRun();
        var folder = Folder(run, "zugferd/EN16931_Einfach.pdf", "zugferd/XRECHNUNG_Einfach.pdf");

        // Submitted by one command, no worker: the job waits in ./invoiceocr.db.
        Assert.Equal(ExitCodes.Success, await run.RunAsync("batch", "submit", folder, "--company", "acme", "--job-key", "nightly", "--json"));
        var jobId = JsonDocument.Parse(run.Output).RootElement.GetProperty("jobId").GetString()!;
        Assert.DoesNotContain(BatchCommand.InMemoryNote, run.Errors.ReplaceLineEndings(" "), StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Success, await run.RunAsync("batch", "status", jobId, "--once"));
        Assert.Contains("Pending", run.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Success, await run.RunAsync("batch", "status", "--company", "acme"));
        Assert.Contains(jobId, run.Output, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Success, await run.RunAsync("batch", "suspend", jobId));
        Assert.Contains("Suspended", run.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Success, await run.RunAsync("batch", "items", jobId, "--state", "Suspended"));
        Assert.Contains("EN16931_Einfach.pdf", run.Output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Success, await run.RunAsync("batch", "resume", jobId));

        // Submitting the same folder under the same key adds nothing; --wait processes the job in this command.
        Assert.Equal(ExitCodes.Success, await run.RunAsync("batch", "submit", folder, "--company", "acme", "--job-key", "nightly", "--emulator", "--wait"));
        Assert.Contains($"Job {jobId}: added 0, skipped 2 already in the job.", run.Output, StringComparison.Ordinal);
        Assert.Contains("2 of 2 finished (100%)", run.Output, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Success, await run.RunAsync("batch", "results", jobId, "--out", "out"));
        Assert.Equal(3, Directory.GetFiles(run.PathOf("out")).Length); // two invoices and results.csv

        var csv = await File.ReadAllLinesAsync(run.PathOf(Path.Combine("out", "results.csv")), TestContext.Current.CancellationToken);
        var itemId = csv[1].Split(',')[1];
        Assert.Equal(ExitCodes.Success, await run.RunAsync("batch", "history", itemId));
        Assert.Contains("Suspended", run.Output, StringComparison.Ordinal);
        Assert.Contains("Completed", run.Output, StringComparison.Ordinal);
        Assert.Contains("Item " + itemId, run.Output, StringComparison.Ordinal); // the item itself (GetItemAsync), above its trail
        Assert.Contains(csv[1].Split(',')[5], run.Output, StringComparison.Ordinal); // its invoice id

        // A cancelled job cannot be resumed: the typed refusal, exit code 1.
        Assert.Equal(ExitCodes.Success, await run.RunAsync("batch", "cancel", jobId));
        Assert.Equal(ExitCodes.Failure, await run.RunAsync("batch", "resume", jobId));
        Assert.Contains("JobTransitionRejected", run.Errors, StringComparison.Ordinal);
    }

    private static string Folder(ConsoleRun run, params string[] invoices)
    {
        var folder = run.PathOf("inbox");
        Directory.CreateDirectory(folder);
        foreach (var invoice in invoices)
        {
            File.Copy(SharedData.Invoice(invoice), Path.Combine(folder, Path.GetFileName(invoice)));
        }

        return folder;
    }
}
