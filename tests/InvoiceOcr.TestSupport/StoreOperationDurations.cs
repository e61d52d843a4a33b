using System.Collections.Concurrent;
using System.Diagnostics.Metrics;

namespace InvoiceOcr.TestSupport;

/// <summary>
/// Collects one host's <c>db.client.operation.duration</c> measurements (the SQL stores' latency instrument) while alive.
/// Only the given host's meter is heard: other tests' hosts run in parallel in the same process.
/// </summary>
public sealed class StoreOperationDurations : IDisposable
{
    private readonly ConcurrentQueue<StoreOperationDuration> _seen = new();
    private readonly MeterListener _listener = new();

    /// <summary>Starts listening to the meters <paramref name="hostMeters"/> created.</summary>
    /// <param name="hostMeters">The host's <see cref="IMeterFactory"/>.</param>
    public StoreOperationDurations(IMeterFactory hostMeters)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "db.client.operation.duration" && ReferenceEquals(instrument.Meter.Scope, hostMeters))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, tags, _) =>
        {
            var values = tags.ToArray().ToDictionary(static t => t.Key, static t => t.Value as string);
            _seen.Enqueue(new StoreOperationDuration(
                values.GetValueOrDefault("db.operation.name") ?? "",
                values.GetValueOrDefault("db.system.name") ?? "",
                values.GetValueOrDefault("error.type"),
                seconds));
        });
        _listener.Start();
    }

    /// <summary>The measurements of the named operations, in the order they were recorded (the host's background work has operations of its own).</summary>
    /// <param name="operations">The operations to keep.</param>
    public IReadOnlyList<StoreOperationDuration> Of(params string[] operations) =>
        [.. _seen.Where(m => operations.Contains(m.Operation, StringComparer.Ordinal))];

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();
}

/// <summary>One measurement of <c>db.client.operation.duration</c>.</summary>
/// <param name="Operation">Its <c>db.operation.name</c>.</param>
/// <param name="System">Its <c>db.system.name</c>.</param>
/// <param name="ErrorType">Its <c>error.type</c>, when the operation failed.</param>
/// <param name="Seconds">How long the operation took.</param>
public sealed record StoreOperationDuration(string Operation, string System, string? ErrorType, double Seconds);
