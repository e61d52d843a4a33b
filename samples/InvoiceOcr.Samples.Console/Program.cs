using InvoiceOcr.Samples.ConsoleApp.Cli;
using Spectre.Console;

// dotnet run --project samples/InvoiceOcr.Samples.Console -- demo
// Every command is described by --help; CliApplication builds them and maps errors to exit codes.
var stdout = AnsiConsole.Console;
if (Console.IsOutputRedirected)
{
    // Piped or captured output has no terminal width; Spectre would assume 80 columns and wrap the tables.
    stdout.Profile.Width = 200;
}

var stderr = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
if (Console.IsErrorRedirected)
{
    stderr.Profile.Width = 200;
}

var context = new CliContext
{
    Out = stdout,
    Error = stderr,
    WorkingDirectory = Environment.CurrentDirectory,
};
return await CliApplication.RunAsync(args, context).ConfigureAwait(false);
