using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk.Benchmarks.Load;

/// <summary>
/// Splits a run's store time by operation: listens to one host's <c>db.client.operation.duration</c> (the store's own
/// instrument, <see cref="RelationalStoreMetrics"/>) while it is alive. With a listener the store reads the clock twice
/// and records one measurement per operation, about a microsecond per call in all.
/// </summary>
internal sealed class StoreOperationTimes : IDisposable
{
    private readonly ConcurrentDictionary<string, Latencies> _byOperation = new(StringComparer.Ordinal);
    private readonly MeterListener _listener = new();

    public StoreOperationTimes(IMeterFactory hostMeters)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == RelationalStoreMetrics.OperationDurationInstrument && ReferenceEquals(instrument.Meter.Scope, hostMeters))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<double>((_, seconds, tags, _) =>
        {
            foreach (var tag in tags)
            {
                if (tag.Key == "db.operation.name" && tag.Value is string operation)
                {
                    _byOperation.GetOrAdd(operation, static _ => new Latencies()).AddMilliseconds(seconds * 1000);
                }
            }
        });
        _listener.Start();
    }

    /// <summary>One row per operation, most frequent first: its p50 and how many times a call ran it.</summary>
    /// <param name="label">The run's name.</param>
    /// <param name="calls">How many calls the run made.</param>
    public IEnumerable<Figure> Figures(string label, int calls) =>
        _byOperation
            .OrderByDescending(static o => o.Value.Count)
            .ThenBy(static o => o.Key, StringComparer.Ordinal)
            .Select(o => new Figure(
                $"Store operation p50, {label}: {o.Key}",
                $"{o.Value.Percentile(0.50):0.000} ms (p99 {o.Value.Percentile(0.99):0.000} ms, {(double)o.Value.Count / Math.Max(1, calls):0.00} per call)",
                "",
                null,
                "db.client.operation.duration; the store's share of the overhead above"));

    public void Dispose() => _listener.Dispose();
}
