using InvoiceOcr.Sdk.Relational;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Logging;

/// <summary>Registers the InvoiceOcr database logger.</summary>
public static class DatabaseLoggingBuilderExtensions
{
    /// <summary>
    /// Adds a logger that writes to the <c>ApplicationLogs</c> table of the registered InvoiceOcr store
    /// (SQLite or SQL Server) in batches, without ever blocking the caller.
    /// </summary>
    /// <param name="builder">The logging builder.</param>
    /// <returns>The builder, for chaining.</returns>
    public static ILoggingBuilder AddInvoiceOcrDatabase(this ILoggingBuilder builder) => builder.AddInvoiceOcrDatabase(static _ => { });

    /// <summary>
    /// Adds a logger that writes to the <c>ApplicationLogs</c> table of the registered InvoiceOcr store
    /// (SQLite or SQL Server) in batches, without ever blocking the caller.
    /// </summary>
    /// <param name="builder">The logging builder.</param>
    /// <param name="configure">Configures the logger's options.</param>
    /// <returns>The builder, for chaining.</returns>
    public static ILoggingBuilder AddInvoiceOcrDatabase(this ILoggingBuilder builder, Action<DatabaseLoggerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configure);
        builder.Services.AddOptions<DatabaseLoggerOptions>().Configure(configure).ValidateDataAnnotations();
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, DatabaseLoggerProvider>(static sp => new DatabaseLoggerProvider(
            () => sp.GetService<IApplicationLogSink>(),
            sp.GetRequiredService<IOptions<DatabaseLoggerOptions>>(),
            sp.GetService<TimeProvider>())));
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<Microsoft.Extensions.Hosting.IHostedService, DatabaseLoggerFlushService>());
        return builder;
    }
}
