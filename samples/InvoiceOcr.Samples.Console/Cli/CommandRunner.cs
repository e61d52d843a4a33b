using Spectre.Console;
using InvoiceOcr.Samples.ConsoleApp.Output;
using InvoiceOcr.Sdk;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Samples.ConsoleApp.Cli;

/// <summary>
/// Runs a command's body and turns what can go wrong into a clear message and an exit code: typed SDK errors show
/// their kind, configuration problems exit 2, Ctrl+C exits 130. Stack traces are for bugs only. Every message passes
/// through the <see cref="SecretRedactor"/>.
/// </summary>
internal static class CommandRunner
{
    public static async Task<int> RunAsync(CliContext cli, SecretRedactor redactor, bool json, Func<Task<int>> body, CancellationToken cancellationToken)
    {
        try
        {
            return await body().ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            Report(cli, json, "Cancelled", "Cancelled.");
            return ExitCodes.Cancelled;
        }
        catch (CliException ex)
        {
            Report(cli, json, "UsageError", redactor.Redact(ex.Message));
            return ExitCodes.UsageError;
        }
        catch (OptionsValidationException ex)
        {
            Report(cli, json, "InvalidSettings", redactor.Redact("Invalid settings: " + string.Join(" ", ex.Failures)));
            return ExitCodes.UsageError;
        }
        catch (InvoiceOcrException ex)
        {
            Report(cli, json, ex.Kind.ToString(), redactor.Redact(ex.Message));
            return ExitCodes.Failure;
        }
    }

    private static void Report(CliContext cli, bool json, string kind, string message)
    {
        if (json)
        {
            cli.RawOut.WriteLine(CliJson.Serialize(new { error = new { kind, message } }));
        }

        if (kind == "Cancelled")
        {
            cli.Error.MarkupLine("[yellow]Cancelled.[/]");
            return;
        }

        cli.Error.MarkupLineInterpolated($"[red]error[/] [[{kind}]]: {message}");
    }
}
