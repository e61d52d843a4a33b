using System.Diagnostics;
using InvoiceOcr.Samples.ConsoleApp.Cli;
using InvoiceOcr.Samples.ConsoleApp.Commands;
using InvoiceOcr.Samples.ConsoleApp.Hosting;
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

    [Theory]
    [InlineData("2026-13-01")]
    [InlineData("yesterday")]
    public async Task UsageReport_BadDay_AsAProcess_ExitsTwoWithAPlainMessageAndNoStackTrace(string day)
    {
        using var run = new ConsoleRun();

        var (exitCode, output, errors) = await RunProcessAsync(run, "usage", "report", "--company", "x", "--from", day);

        Assert.True(exitCode == ExitCodes.UsageError, $"exit code {exitCode}\n{output}\n{errors}");
        Assert.Contains($"--from must be a day written yyyy-MM-dd (for example 2026-11-01), not '{day}'.", errors, StringComparison.Ordinal);
        Assert.Contains("Run 'usage report --help' for usage.", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("System.", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeysAdd_WithoutProject_AsAProcess_ExitsTwoAndNamesTheFullHelpCommand()
    {
        using var run = new ConsoleRun();

        var (exitCode, _, errors) = await RunProcessAsync(run, "keys", "add", "--company", "acme", "--secret", "test-key-process-0001");

        Assert.Equal(ExitCodes.UsageError, exitCode);
        Assert.Contains("Run 'keys add --help' for usage.", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_EmulatorWithoutAnswer_AsAProcess_ExitsThreeAndSaysSo()
    {
        using var run = new ConsoleRun();

        var (exitCode, output, errors) = await RunProcessAsync(
            run, "extract", SharedData.Invoice("invoice2data/QualityHosting.pdf"), "--company", "acme", "--emulator");

        Assert.True(exitCode == ExitCodes.NoAnswer, $"exit code {exitCode}\n{output}\n{errors}");
        Assert.Contains("no answer: the emulator cannot read this file", output, StringComparison.Ordinal);
        Assert.Contains("[NoAnswer] The bundled Gemini emulator has no answer for this file", output, StringComparison.Ordinal);
        Assert.DoesNotContain("RequiredFieldMissing", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_RequestLimitReached_AsAProcess_SaysSoWithoutWarningLines()
    {
        using var run = new ConsoleRun();
        Assert.Equal(ExitCodes.Success, await run.RunAsync(
            "keys", "add", "--company", "acme", "--id", "emulator-key", "--secret", InProcessEmulator.Secret, "--project", InProcessEmulator.ProjectId, "--rpm", "1"));

        var (exitCode, output, errors) = await RunProcessAsync(
            run, "extract", SharedData.Invoice("zugferd/EN16931_Einfach.pdf"), SharedData.Invoice("zugferd/EN16931_Miete.pdf"), SharedData.Invoice("zugferd/EN16931_Rabatte.pdf"),
            "--company", "acme", "--mode", "model-only", "--emulator");

        Assert.True(exitCode == ExitCodes.Failure, $"exit code {exitCode}\n{output}\n{errors}");
        Assert.Contains("The per-minute request limit (RPM 1) of your company's AI token was reached.", output, StringComparison.Ordinal);
        Assert.DoesNotContain("warn:", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("quota headroom", errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_NetworkDown_AsAProcess_OneLineWithTheKindAndAHintAndNoStackTrace()
    {
        using var run = new ConsoleRun();
        var endpoint = $"http://127.0.0.1:{ClosedLoopbackPort()}/";
        string[] args = ["extract", SharedData.Invoice("invoice2data/QualityHosting.pdf"), "--company", "acme", "--api-key", "test-key-offline-0001", "--endpoint", endpoint];

        var (exitCode, output, errors) = await RunProcessAsync(run, args);
        var (_, _, verboseErrors) = await RunProcessAsync(run, [.. args, "-v"]);

        Assert.True(exitCode == ExitCodes.Failure, $"exit code {exitCode}\n{output}\n{errors}");
        Assert.Contains("[NetworkFailure] The connection to Gemini failed. Hint: Gemini could not be reached", output.ReplaceLineEndings(" "), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", errors, StringComparison.Ordinal);
        Assert.DoesNotContain("warn:", errors, StringComparison.Ordinal);
        Assert.True(errors.Length < 1000, $"{errors.Length} characters on standard error:\n{errors}");

        // -v shows the details: the retried attempts and the exception.
        Assert.Contains("warn:", verboseErrors, StringComparison.Ordinal);
        Assert.Contains("HttpRequestException", verboseErrors, StringComparison.Ordinal);
    }

    /// <summary>A loopback port nothing listens on: bound by the OS (port 0), then released.</summary>
    private static int ClosedLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Runs the built console app as a process in the run's working folder, with no real key in its environment.</summary>
    private static async Task<(int ExitCode, string Output, string Errors)> RunProcessAsync(ConsoleRun run, params string[] args)
    {
        var app = Path.Combine(AppContext.BaseDirectory, "InvoiceOcr.Samples.Console.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = run.WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(app);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("GEMINI_API_KEY");
        start.Environment.Remove("INVOICEOCR_MASTER_KEY");
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
        return (process.ExitCode, await stdout, await stderr);
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
