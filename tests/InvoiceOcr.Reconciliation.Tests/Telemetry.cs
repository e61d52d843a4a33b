using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// Everything the SDK says to the outside while the harness runs: every log line (message, structured values and
/// exception), every metric tag (a <see cref="MeterListener"/> on every meter) and every activity tag.
/// </summary>
internal sealed class Telemetry : ILoggerProvider, IDisposable
{
    private readonly ConcurrentQueue<string> _lines = new();
    private readonly MeterListener _meters = new();
    private readonly ActivityListener _activities;
    private long _logLines;
    private long _measurements;

    public Telemetry()
    {
        _meters.InstrumentPublished = (instrument, listener) => listener.EnableMeasurementEvents(instrument);
        _meters.SetMeasurementEventCallback<long>((i, _, tags, _) => Record(i, tags));
        _meters.SetMeasurementEventCallback<int>((i, _, tags, _) => Record(i, tags));
        _meters.SetMeasurementEventCallback<double>((i, _, tags, _) => Record(i, tags));
        _meters.Start();

        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name.StartsWith("InvoiceOcr", StringComparison.Ordinal),
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity =>
            {
                foreach (var tag in activity.TagObjects)
                {
                    _lines.Enqueue("activity " + activity.OperationName + " " + tag.Key + "=" + tag.Value);
                }

                _lines.Enqueue("activity " + activity.OperationName + " status=" + activity.StatusDescription);
            },
        };
        ActivitySource.AddActivityListener(_activities);
    }

    public long LogLines => Interlocked.Read(ref _logLines);

    public long Measurements => Interlocked.Read(ref _measurements);

    public IEnumerable<string> Lines => _lines;

    public void Add(string text) => _lines.Enqueue(text);

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
        _meters.Dispose();
        _activities.Dispose();
    }

    private void Record(Instrument instrument, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        Interlocked.Increment(ref _measurements);
        foreach (var tag in tags)
        {
            _lines.Enqueue("metric " + instrument.Meter.Name + "/" + instrument.Name + " " + tag.Key + "=" + tag.Value);
        }
    }

    private sealed class Logger(Telemetry owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            owner._lines.Enqueue("scope " + category + " " + state);
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            Interlocked.Increment(ref owner._logLines);
            owner._lines.Enqueue(logLevel + " " + category + " " + formatter(state, exception) + " " + exception);
            if (state is IReadOnlyList<KeyValuePair<string, object?>> values)
            {
                foreach (var value in values)
                {
                    owner._lines.Enqueue("log-value " + value.Key + "=" + value.Value);
                }
            }
        }
    }
}
