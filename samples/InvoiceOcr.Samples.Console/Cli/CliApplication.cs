using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
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
            BatchCommand.Create(context),
        };
    }

    /// <summary>
    /// The help command for where parsing stopped, with the full command path (<c>keys add --help</c>, not
    /// <c>add --help</c>, which would be an unknown command).
    /// </summary>
    public static string HelpCommand(CommandResult command)
    {
        ArgumentNullException.ThrowIfNull(command);
        var names = new List<string>();
        for (SymbolResult? current = command; current is not null; current = current.Parent)
        {
            if (current is CommandResult { Command: not RootCommand } result)
            {
                names.Add(result.Command.Name);
            }
        }

        names.Reverse();
        names.Add("--help");
        return string.Join(' ', names);
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

            context.Error.MarkupLineInterpolated($"Run '{HelpCommand(parse.CommandResult)}' for usage.");
            return ExitCodes.UsageError;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = context.RawOut, Error = context.RawError }, cancellationToken).ConfigureAwait(false);
    }
}
