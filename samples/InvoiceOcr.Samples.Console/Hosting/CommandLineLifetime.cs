using Microsoft.Extensions.Hosting;

namespace InvoiceOcr.Samples.ConsoleApp.Hosting;

/// <summary>
/// A host lifetime that leaves signals alone. The command line (System.CommandLine) owns Ctrl+C and SIGTERM and cancels
/// the running command's token; the default console lifetime would also react and stop the host under the command.
/// </summary>
internal sealed class CommandLineLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
