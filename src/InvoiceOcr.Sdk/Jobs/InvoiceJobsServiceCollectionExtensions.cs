using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Jobs;
using InvoiceOcr.Sdk.Jobs.Batch;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers batch jobs (<see cref="IInvoiceJobs"/>) and their worker.</summary>
public static class InvoiceJobsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="IInvoiceJobs"/>, the job store (<see cref="InMemoryInvoiceJobStore"/> unless a storage package registered
    /// an <see cref="IInvoiceJobStore"/>) and, when <see cref="InvoiceJobOptions.RunWorker"/> is set (the default), the worker as a
    /// hosted service. Options are validated when the host starts.
    /// </summary>
    /// <param name="builder">The SDK's builder from <c>AddInvoiceOcr(...)</c>.</param>
    /// <param name="configure">Sets the job options.</param>
    /// <returns>The builder, for chaining.</returns>
    public static InvoiceOcrBuilder AddJobs(this InvoiceOcrBuilder builder, Action<InvoiceJobOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<InvoiceJobOptions>()
            .ValidateDataAnnotations()
            .Validate(static o => o.HeartbeatInterval < o.VisibilityTimeout, "InvoiceJobOptions.HeartbeatInterval must be shorter than InvoiceJobOptions.VisibilityTimeout, or leases lapse between heartbeats.")
            .Validate(static o => o.WorkerId is null || !string.IsNullOrWhiteSpace(o.WorkerId), "InvoiceJobOptions.WorkerId must not be blank.")
            .ValidateOnStart();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        services.AddHttpClient(InvoiceJobWorker.HttpClientName);
        services.TryAddSingleton<InMemoryInvoiceJobStore>();
        services.TryAddSingleton<IInvoiceJobStore>(static sp => sp.GetRequiredService<InMemoryInvoiceJobStore>());
        services.TryAddSingleton<IInvoiceJobs, InvoiceJobService>();
        services.TryAddSingleton<InvoiceJobBatchRoute>();
        services.TryAddSingleton<InvoiceJobWorker>();

        // The worker is registered always and decides at start whether to run, so RunWorker can come from configuration.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, InvoiceJobWorkerHost>());
        return builder;
    }
}
