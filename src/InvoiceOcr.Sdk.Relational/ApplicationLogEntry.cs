using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>One application log line as written to the <c>ApplicationLogs</c> table. Texts are already scrubbed of secrets.</summary>
public sealed record ApplicationLogEntry
{
    /// <summary>Gets when the entry was logged (UTC).</summary>
    public required DateTimeOffset Timestamp { get; init; }

    /// <summary>Gets the level.</summary>
    public required LogLevel Level { get; init; }

    /// <summary>Gets the logger category.</summary>
    public required string Category { get; init; }

    /// <summary>Gets the event id.</summary>
    public int EventId { get; init; }

    /// <summary>Gets the event name, if any.</summary>
    public string? EventName { get; init; }

    /// <summary>Gets the formatted message.</summary>
    public required string Message { get; init; }

    /// <summary>Gets the exception's text (type, message, stack), if any.</summary>
    public string? Exception { get; init; }

    /// <summary>Gets the active scopes, joined with <c> =&gt; </c>, if any.</summary>
    public string? Scope { get; init; }

    /// <summary>Gets the company id found in a scope or the message state (<c>CompanyId</c>), if any.</summary>
    public string? CompanyId { get; init; }
}

/// <summary>Where <see cref="DatabaseLoggerProvider"/> writes its batches; implemented by each storage package.</summary>
public interface IApplicationLogSink
{
    /// <summary>Writes a batch of entries in one round trip.</summary>
    /// <param name="entries">The entries.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the batch is stored.</returns>
    Task WriteAsync(IReadOnlyList<ApplicationLogEntry> entries, CancellationToken cancellationToken);
}
