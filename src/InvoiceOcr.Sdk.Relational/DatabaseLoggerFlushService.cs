using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// Flushes the database logger when the host stops, while the store it writes to is still alive: the container disposes
/// services in reverse creation order, so the store would otherwise be gone before the logger's final drain.
/// </summary>
internal sealed class DatabaseLoggerFlushService(IEnumerable<ILoggerProvider> providers, IOptions<DatabaseLoggerOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        using var drain = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        drain.CancelAfter(options.Value.DrainTimeout);
        foreach (var provider in providers.OfType<DatabaseLoggerProvider>())
        {
            try
            {
                await provider.FlushAsync(drain.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Out of time: the provider's own drain on disposal still sends what is left to the fallback.
            }
        }
    }
}
