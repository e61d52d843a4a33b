using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Reconciliation.Worker;

/// <summary>
/// The worker's one output stream: journal lines (<c>begin</c>/<c>end</c> of each call) and log lines, each written and
/// flushed whole, so whatever a killed worker printed before it died reaches the test intact. Every line starts with a
/// word that says what it is; newlines inside a message are escaped so one event stays one line.
/// </summary>
internal sealed class WorkerOutput(TextWriter writer) : ILoggerProvider
{
    private readonly Lock _gate = new();

    public void Write(string line)
    {
        var text = line.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", " \\n ", StringComparison.Ordinal);
        lock (_gate)
        {
            writer.WriteLine(text);
            writer.Flush();
        }
    }

    public ILogger CreateLogger(string categoryName) => new LineLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class LineLogger(WorkerOutput output, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull
        {
            output.Write("scope " + category + " " + state);
            return null;
        }

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var values = state is IReadOnlyList<KeyValuePair<string, object?>> list
                ? string.Join(" ", list.Select(v => v.Key + "=" + v.Value))
                : string.Empty;
            output.Write("log " + logLevel + " " + category + " " + eventId.Id + " " + formatter(state, exception) + " | " + values + " | " + exception);
        }
    }
}
