using System.Diagnostics;
using InvoiceOcr.Samples.ConsoleApp.Cli;
using InvoiceOcr.Samples.ConsoleApp.Commands;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Samples.ConsoleApp.Tests;

/// <summary>The built console app as a real process: what a user who runs the README's main command sees.</summary>
public sealed class ProcessTests
{
    [Fact]
    public async Task Demo_AsAProcess_ExitsZeroAndPrintsWhatTheReadmeShows()
    {
        using var run = new ConsoleRun();
        var app = Path.Combine(AppContext.BaseDirectory, "InvoiceOcr.Samples.Console.dll");
        Assert.True(File.Exists(app), $"The console app was not built next to the tests: {app}");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = run.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(app);
        start.ArgumentList.Add("demo");
        start.Environment["INVOICEOCR_CORPUS"] = SharedData.InvoicesRoot;
        start.Environment.Remove("GEMINI_API_KEY");
        start.Environment.Remove("INVOICEOCR_MASTER_KEY");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        var output = await stdout;
        var errors = await stderr;

        Assert.True(process.ExitCode == ExitCodes.Success, $"exit code {process.ExitCode}\n{output}\n{errors}");
        var readme = await File.ReadAllTextAsync(Path.Combine(SharedData.RepositoryRoot, "README.md"), TestContext.Current.CancellationToken);
        var printedRows = InvoiceRows(output).ToList();
        var readmeRows = InvoiceRows(ReadmeDemoBlock(readme)).ToList();
        Assert.NotEmpty(readmeRows);
        Assert.Equal(readmeRows, printedRows);

        Assert.Contains(DemoCommand.SimulatedNotice, output, StringComparison.Ordinal);
        Assert.Contains("│ Total", output, StringComparison.Ordinal);
        Assert.Contains("Created the master key", errors, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(run.WorkingDirectory, "invoiceocr.db")));
    }

    [Fact]
    public async Task Help_ListsEveryCommand()
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("--help");

        Assert.Equal(ExitCodes.Success, exitCode);
        foreach (var command in new[] { "demo", "extract", "keys", "usage", "db", "emulator", "score" })
        {
            Assert.Contains(command, run.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Extract_WithoutTheRequiredCompany_ExitsWithUsageErrorAndNamesTheOption()
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("extract", "invoice.pdf");

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("--company", run.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DbScript_Sqlite_PrintsTheInstallScript()
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("db", "script");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("CREATE TABLE", run.Output, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("TokenMaster", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DbMigrate_SqliteFile_CreatesTheSchemaAndReportsItsVersion()
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("db", "migrate", "--db", "data/store.db");

        Assert.Equal(ExitCodes.Success, exitCode);
        Assert.Contains("schema is at version", run.Output, StringComparison.Ordinal);
        Assert.True(File.Exists(run.PathOf(Path.Combine("data", "store.db"))));
    }

    [Fact]
    public async Task SqlServerWithoutMasterKey_FailsAsUsageErrorNamingTheVariable()
    {
        using var run = new ConsoleRun();

        var exitCode = await run.RunAsync("keys", "list", "--company", "acme", "--sqlserver", "Server=localhost;Database=x;User Id=sa;Password=test-password");

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("INVOICEOCR_MASTER_KEY", run.Errors, StringComparison.Ordinal);
        Assert.DoesNotContain("test-password", run.Errors, StringComparison.Ordinal);
    }

    /// <summary>The README's demo output block (after the <c>demo-output</c> marker).</summary>
    private static string ReadmeDemoBlock(string readme)
    {
        const string Marker = "<!-- demo-output -->";
        var start = readme.IndexOf(Marker, StringComparison.Ordinal);
        Assert.True(start >= 0, "README.md has no demo output block.");
        var fence = readme.IndexOf("```text", start, StringComparison.Ordinal);
        var end = readme.IndexOf("```", fence + 7, StringComparison.Ordinal);
        return readme[(fence + 7)..end];
    }

    /// <summary>
    /// The invoice table's rows without the token and finding counts (file, invoice id, date, vendor, total, currency,
    /// source): what the README promises; token counts follow the SDK's prompt and schema.
    /// </summary>
    private static IEnumerable<string> InvoiceRows(string output) =>
        output.Split('\n')
            .Where(l => l.StartsWith("│ ", StringComparison.Ordinal) && l.Contains(".pdf", StringComparison.Ordinal))
            .Select(l => string.Join(" | ", l.Split('│', StringSplitOptions.TrimEntries).Skip(1).Take(7)));
}
