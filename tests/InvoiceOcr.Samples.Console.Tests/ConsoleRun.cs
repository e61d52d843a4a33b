using InvoiceOcr.Emulator;
using InvoiceOcr.Samples.ConsoleApp.Cli;
using InvoiceOcr.TestSupport;
using Spectre.Console.Testing;

namespace InvoiceOcr.Samples.ConsoleApp.Tests;

/// <summary>
/// Runs the console app in-process the way the program does, with Spectre <see cref="TestConsole"/>s for standard output
/// and error, a temporary working folder (so <c>./invoiceocr.db</c> is private to the test) and a fixed environment.
/// </summary>
internal sealed class ConsoleRun : IDisposable
{
    private readonly Dictionary<string, string?> _environment = new(StringComparer.Ordinal);

    public ConsoleRun()
    {
        WorkingDirectory = Directory.CreateTempSubdirectory("invoiceocr-console-").FullName;

        // No real key ever reaches a test, whatever the machine's environment holds.
        _environment["GEMINI_API_KEY"] = null;
        _environment["INVOICEOCR_MASTER_KEY"] = null;
    }

    public string WorkingDirectory { get; }

    public TestConsole Out { get; private set; } = NewConsole();

    public TestConsole Error { get; private set; } = NewConsole();

    /// <summary>Gets the billing ledger totals of the last in-process emulator, read just before it stopped.</summary>
    public IReadOnlyList<EmulatorLedgerEntry> EmulatorLedger { get; private set; } = [];

    public string Output => Out.Output;

    public string Errors => Error.Output;

    /// <summary>Points the demo at the shared corpus (the test fails under CI, or is skipped, when it is absent).</summary>
    public ConsoleRun WithCorpus()
    {
        _environment["INVOICEOCR_CORPUS"] = SharedData.InvoicesRoot;
        return this;
    }

    public ConsoleRun WithEnvironment(string name, string? value)
    {
        _environment[name] = value;
        return this;
    }

    /// <summary>Gets or sets what the next run reads from standard input.</summary>
    public string StandardInput { get; set; } = string.Empty;

    public string PathOf(string relative) => Path.Combine(WorkingDirectory, relative);

    /// <summary>Runs one command line; each run gets fresh consoles.</summary>
    public async Task<int> RunAsync(params string[] args) => await RunUntilAsync(TestContext.Current.CancellationToken, args);

    public async Task<int> RunUntilAsync(CancellationToken cancellationToken, params string[] args)
    {
        Out = NewConsole();
        Error = NewConsole();
        var context = new CliContext
        {
            Out = Out,
            Error = Error,
            WorkingDirectory = WorkingDirectory,
            Input = new StringReader(StandardInput),
            GetEnvironmentVariable = name => _environment.TryGetValue(name, out var value) ? value : Environment.GetEnvironmentVariable(name),
            EmulatorStopping = emulator =>
            {
                EmulatorLedger = emulator.Ledger.Entries;
                return Task.CompletedTask;
            },
        };
        return await CliApplication.RunAsync(args, context, cancellationToken);
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(WorkingDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A pooled SQLite connection may still hold the file for a moment; the temp folder is cleaned by the OS.
        }
    }

    private static TestConsole NewConsole()
    {
        var console = new TestConsole();
        console.Profile.Width = 250;
        return console;
    }
}
