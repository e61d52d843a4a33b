using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// An <see cref="ILoggerProvider"/> that writes application logs to the store's <c>ApplicationLogs</c> table.
/// Logging never blocks the caller: entries go into a bounded queue that one background loop writes in
/// batches; when the queue is full the entry is dropped and counted (the count is written as its own entry);
/// when the database cannot take a batch it goes to the console instead; on disposal the queue is drained.
/// Message and exception texts are scrubbed of anything key-like before they are queued.
/// </summary>
[ProviderAlias("InvoiceOcrDatabase")]
public sealed class DatabaseLoggerProvider : ILoggerProvider, ISupportExternalScope, IAsyncDisposable
{
    private readonly Func<IApplicationLogSink?> _sinkFactory;
    private readonly DatabaseLoggerOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Channel<ApplicationLogEntry> _queue;
    private readonly ConcurrentDictionary<string, DatabaseLogger> _loggers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private IExternalScopeProvider? _scopeProvider;
    private long _dropped;
    private long _written;
    private long _fallback;
    private long _accepted;
    private long _processed;
    private TaskCompletionSource _progress = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _disposed;

    /// <summary>Creates the provider.</summary>
    /// <param name="sinkFactory">Resolves the sink on first use (so the store may itself log without a cycle); <see langword="null"/> result means no store is registered.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock that stamps entries.</param>
    public DatabaseLoggerProvider(Func<IApplicationLogSink?> sinkFactory, IOptions<DatabaseLoggerOptions> options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(sinkFactory);
        ArgumentNullException.ThrowIfNull(options);
        _sinkFactory = sinkFactory;
        _options = options.Value;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _queue = Channel.CreateBounded<ApplicationLogEntry>(new BoundedChannelOptions(_options.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = true,
        });
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Gets how many entries were dropped because the queue was full.</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    /// <summary>Gets how many entries were written to the database.</summary>
    public long WrittenCount => Interlocked.Read(ref _written);

    /// <summary>Gets how many entries went to the console fallback.</summary>
    public long FallbackCount => Interlocked.Read(ref _fallback);

    /// <inheritdoc />
    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, static (name, self) => new DatabaseLogger(name, self), this);

    /// <inheritdoc />
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopeProvider = scopeProvider;

    /// <summary>Stops accepting entries and drains the queue (up to <see cref="DatabaseLoggerOptions.DrainTimeout"/>).</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    /// <summary>Stops accepting entries and drains the queue (up to <see cref="DatabaseLoggerOptions.DrainTimeout"/>).</summary>
    /// <returns>A task that completes when the queue is drained or the timeout passed.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(_options.DrainTimeout, _timeProvider).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            await _stop.CancelAsync().ConfigureAwait(false);
        }

        _stop.Dispose();
    }

    /// <summary>
    /// Waits until every entry accepted before the call has been written (or sent to the fallback). The host calls it when
    /// it stops, before the container disposes the store the entries go to.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>A task that completes when the entries accepted so far are handled, or the loop has ended.</returns>
    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        var target = Interlocked.Read(ref _accepted);
        while (Interlocked.Read(ref _processed) < target && !_loop.IsCompleted)
        {
            var progress = Volatile.Read(ref _progress);
            if (Interlocked.Read(ref _processed) >= target)
            {
                break; // A batch finished between the check and reading the signal.
            }

            await progress.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private void Enqueue(ApplicationLogEntry entry)
    {
        Interlocked.Increment(ref _accepted);
        if (!_queue.Writer.TryWrite(entry))
        {
            Interlocked.Decrement(ref _accepted);
            if (Volatile.Read(ref _disposed) == 0)
            {
                Interlocked.Increment(ref _dropped);
            }
        }
    }

    private void Processed(int count)
    {
        Interlocked.Add(ref _processed, count);
        Interlocked.Exchange(ref _progress, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    private async Task RunAsync()
    {
        var batch = new List<ApplicationLogEntry>(_options.BatchSize);
        long droppedReported = 0;

        // Resolve the sink at once (not at the first entry), so it exists before the host can start disposing;
        // a failure is retried at each batch until it succeeds.
        var sinkReported = false;
        var sink = ResolveSink(ref sinkReported, report: false);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < _options.BatchSize && _queue.Reader.TryRead(out var entry))
            {
                batch.Add(entry);
            }

            var accepted = batch.Count;
            var dropped = Interlocked.Read(ref _dropped);
            if (dropped > droppedReported)
            {
                batch.Add(new ApplicationLogEntry
                {
                    Timestamp = _timeProvider.GetUtcNow(),
                    Level = LogLevel.Warning,
                    Category = typeof(DatabaseLoggerProvider).FullName!,
                    EventId = 1,
                    EventName = "LogEntriesDropped",
                    Message = string.Create(CultureInfo.InvariantCulture, $"{dropped - droppedReported} log entries were dropped because the database logger's queue was full ({dropped} in total)."),
                });
                droppedReported = dropped;
            }

            sink ??= ResolveSink(ref sinkReported, report: true);

            if (sink is not null && await TryWriteAsync(sink, batch).ConfigureAwait(false))
            {
                Interlocked.Add(ref _written, batch.Count);
                Processed(accepted);
                continue;
            }

            WriteFallback(batch);
            Processed(accepted);
            if (sink is not null && !_stop.IsCancellationRequested && _queue.Reader.Completion.IsCompleted is false)
            {
                try
                {
                    await Task.Delay(_options.RetryDelay, _timeProvider, _stop.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopping: drain what is left to the fallback.
                }
            }
        }
    }

    private IApplicationLogSink? ResolveSink(ref bool reported, bool report)
    {
        string problem;
        try
        {
            if (_sinkFactory() is { } sink)
            {
                return sink;
            }

            problem = "no store is registered (call AddSqliteStore or AddSqlServerStore)";
        }
#pragma warning disable CA1031 // A logger must not throw into the application; the failure is reported on the fallback.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            problem = "the store could not be created (" + SecretScrubber.Scrub(ex.Message) + ")";
        }

        if (report && !reported)
        {
            reported = true;
            WriteFallbackLine("InvoiceOcr database logger: " + problem + "; logging to the console.");
        }

        return null;
    }

    private async Task<bool> TryWriteAsync(IApplicationLogSink sink, List<ApplicationLogEntry> batch)
    {
        try
        {
            await sink.WriteAsync(batch.ToArray(), _stop.Token).ConfigureAwait(false);
            return true;
        }
#pragma warning disable CA1031 // Any failure sends the batch to the fallback.
        catch (Exception)
#pragma warning restore CA1031
        {
            return false;
        }
    }

    private void WriteFallback(List<ApplicationLogEntry> batch)
    {
        var text = new StringBuilder();
        foreach (var entry in batch)
        {
            text.Append(CultureInfo.InvariantCulture, $"{entry.Timestamp:O} {entry.Level} {entry.Category}[{entry.EventId}] {entry.Message}").Append('\n');
            if (entry.Exception is not null)
            {
                text.Append(entry.Exception).Append('\n');
            }
        }

        WriteFallbackLine(text.ToString().TrimEnd('\n'));
        Interlocked.Add(ref _fallback, batch.Count);
    }

    private void WriteFallbackLine(string text)
    {
        var writer = _options.FallbackWriter ?? Console.Error;
        lock (writer)
        {
            writer.WriteLine(text);
            writer.Flush();
        }
    }

    private sealed class DatabaseLogger(string category, DatabaseLoggerProvider provider) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => provider._scopeProvider?.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= provider._options.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel) || Volatile.Read(ref provider._disposed) != 0)
            {
                return;
            }

            ArgumentNullException.ThrowIfNull(formatter);
            var scopeState = new ScopeState { CompanyId = FindCompanyId(state) };
            provider._scopeProvider?.ForEachScope(
                static (value, acc) =>
                {
                    if (acc.Text.Length > 0)
                    {
                        acc.Text.Append(" => ");
                    }

                    acc.Text.Append(value);
                    acc.CompanyId ??= FindCompanyId(value);
                },
                scopeState);
            var scope = scopeState.Text.Length > 0 ? scopeState.Text.ToString() : null;
            var companyId = scopeState.CompanyId;

            provider.Enqueue(new ApplicationLogEntry
            {
                Timestamp = provider._timeProvider.GetUtcNow(),
                Level = logLevel,
                Category = category,
                EventId = eventId.Id,
                EventName = eventId.Name,
                Message = SecretScrubber.Scrub(formatter(state, exception)) ?? string.Empty,
                Exception = SecretScrubber.Scrub(exception?.ToString()),
                Scope = SecretScrubber.Scrub(scope),
                CompanyId = companyId,
            });
        }

        private static string? FindCompanyId(object? state)
        {
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                foreach (var (key, value) in pairs)
                {
                    if (string.Equals(key, "CompanyId", StringComparison.OrdinalIgnoreCase) && value is not null)
                    {
                        return Convert.ToString(value, CultureInfo.InvariantCulture);
                    }
                }
            }

            return null;
        }

        private sealed class ScopeState
        {
            public StringBuilder Text { get; } = new();

            public string? CompanyId { get; set; }
        }
    }
}
