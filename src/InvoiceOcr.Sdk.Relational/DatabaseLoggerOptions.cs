using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>Options of the database logger (<c>logging.AddInvoiceOcrDatabase()</c>).</summary>
public sealed class DatabaseLoggerOptions
{
    /// <summary>Gets or sets the lowest level written to the database.</summary>
    /// <value>The default value is <see cref="LogLevel.Information"/>.</value>
    public LogLevel MinimumLevel { get; set; } = LogLevel.Information;

    /// <summary>Gets or sets how many entries may wait in memory; when full, new entries are dropped and counted.</summary>
    /// <value>The default value is 10000.</value>
    [Range(1, 10_000_000)]
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>Gets or sets the most entries written in one batch.</summary>
    /// <value>The default value is 500.</value>
    [Range(1, 100_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>Gets or sets how long the writer waits after a failed batch before trying the database again.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets how long disposal waits for the queue to drain.</summary>
    /// <value>The default value is 10 seconds.</value>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Gets or sets where entries go when the database cannot take them.</summary>
    /// <value>The default value is <see langword="null"/>, meaning the standard error stream (the console).</value>
    public TextWriter? FallbackWriter { get; set; }
}
