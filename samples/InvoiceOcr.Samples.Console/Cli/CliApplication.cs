using System.CommandLine;
using System.CommandLine.Invocation;
using Spectre.Console;
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
            "report usage. Runs on SQLite (./invoiceocr.db) by default, SQL Server (--sqlserver) or PostgreSQL (--postgres). With no Gemini key, 'demo' uses the bundled emulator.")
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
    public static async Task<int> RunAsync(string[] args, CliContext context, CancellationToken cancellationToken = default)
    {
        var root = BuildRootCommand(context);
        var parse = root.Parse(args);
        if (parse.Action is ParseErrorAction)
        {
            // Bad usage exits 2 (System.CommandLine's default is 1, which this app keeps for failed documents).
            foreach (var error in parse.Errors)
            {
                context.Error.MarkupLineInterpolated($"[red]error[/] [[UsageError]]: {error.Message}");
            }

            context.Error.MarkupLineInterpolated($"Run '{parse.CommandResult.Command.Name} --help' for usage.");
            return ExitCodes.UsageError;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = context.RawOut, Error = context.RawError }, cancellationToken).ConfigureAwait(false);
    }
}
