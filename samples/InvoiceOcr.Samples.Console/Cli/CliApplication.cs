using System.CommandLine;
using InvoiceOcr.Samples.ConsoleApp.Commands;

namespace InvoiceOcr.Samples.ConsoleApp.Cli;

/// <summary>The command tree and its invocation.</summary>
internal static class CliApplication
{
    public static RootCommand BuildRootCommand(CliContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new RootCommand(
            "InvoiceOcr console: extract typed, validated invoices from PDFs and images with Google Gemini, manage companies' keys, " +
            "report usage. Runs on SQLite (./invoiceocr.db) by default or SQL Server (--sqlserver). With no Gemini key, 'demo' uses the bundled emulator.")
        {
            DemoCommand.Create(context),
            ExtractCommand.Create(context),
            KeysCommand.Create(context),
            UsageCommand.Create(context),
            DbCommand.Create(context),
            EmulatorCommand.Create(context),
            ScoreCommand.Create(context),
        };
    }

    /// <summary>Parses and runs a command line. Ctrl+C cancels the token commands receive.</summary>
    public static Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var root = BuildRootCommand(context);
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = context.RawOut, Error = context.RawError }, cancellationToken);
    }
}
