using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Jobs;

/// <summary>Starts the <see cref="InvoiceJobWorker"/> when <see cref="InvoiceJobOptions.RunWorker"/> is set.</summary>
internal sealed class InvoiceJobWorkerHost(IServiceProvider services, IOptions<InvoiceJobOptions> options) : IHostedService
{
    private InvoiceJobWorker? _worker;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (!options.Value.RunWorker)
        {
            return Task.CompletedTask;
        }

        _worker = (InvoiceJobWorker)services.GetService(typeof(InvoiceJobWorker))!;
        return _worker.StartAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _worker?.StopAsync(cancellationToken) ?? Task.CompletedTask;
}
