using InvoiceOcr.Emulator;
using Spectre.Console;

namespace InvoiceOcr.Samples.ConsoleApp.Cli;

/// <summary>
/// What a command sees of the outside world: the two consoles, the working folder and the environment. The program
/// passes the real ones; tests pass Spectre <c>TestConsole</c>s, a temporary folder and a fixed environment.
/// </summary>
internal sealed class CliContext
{
    /// <summary>Gets standard output: results, tables and machine-readable JSON/CSV.</summary>
    public required IAnsiConsole Out { get; init; }

    /// <summary>Gets standard error: notices, warnings and errors, so <c>--json</c>/<c>--csv</c> output stays clean.</summary>
    public required IAnsiConsole Error { get; init; }

    /// <summary>Gets the folder relative paths (the default <c>./invoiceocr.db</c>, inputs, <c>--out</c>) are resolved against.</summary>
    public required string WorkingDirectory { get; init; }

    /// <summary>Gets standard input (where <c>keys add</c> reads a secret that was not given on the command line).</summary>
    public TextReader Input { get; init; } = Console.In;

    /// <summary>Gets the environment lookup (GEMINI_API_KEY, INVOICEOCR_MASTER_KEY, INVOICEOCR_CORPUS).</summary>
    public Func<string, string?> GetEnvironmentVariable { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Gets a hook called with an in-process emulator just before it stops (tests read its billing ledger here).</summary>
    public Func<GeminiEmulator, Task>? EmulatorStopping { get; init; }

    /// <summary>Gets the raw standard output writer, for JSON and CSV that must not be wrapped or styled.</summary>
    public TextWriter RawOut => Out.Profile.Out.Writer;

    /// <summary>Gets the raw standard error writer.</summary>
    public TextWriter RawError => Error.Profile.Out.Writer;

    /// <summary>Resolves a path against <see cref="WorkingDirectory"/>.</summary>
    public string ResolvePath(string path) => Path.GetFullPath(path, WorkingDirectory);

    /// <summary>Returns a path relative to <see cref="WorkingDirectory"/> when it is below it or at most two folders up, for shorter output.</summary>
    public string DisplayPath(string path)
    {
        var relative = Path.GetRelativePath(WorkingDirectory, path);
        if (Path.IsPathRooted(relative))
        {
            return path;
        }

        var up = relative.Split(Path.DirectorySeparatorChar).TakeWhile(segment => segment == "..").Count();
        return up == 0 ? "." + Path.DirectorySeparatorChar + relative : up <= 2 ? relative : path;
    }
}
