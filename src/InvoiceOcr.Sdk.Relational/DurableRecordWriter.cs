using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// Writes billing records (usage rows) so that a call returns only once its record is durable: committed
/// to the database through group commit, or, when the database is unreachable, appended and fsync'd to a
/// local <see cref="DurableOutbox{T}"/>. A background loop replays the outbox when the database is back.
/// The commit delegate must be idempotent (unique record ids) so replay is exactly-once in effect.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
internal sealed partial class DurableRecordWriter<T> : IAsyncDisposable
{
    private readonly Func<IReadOnlyList<T>, CancellationToken, Task> _commit;
    private readonly Func<Exception, bool> _isUnavailable;
    private readonly DurableOutbox<T> _outbox;
    private readonly ILogger _logger;
    private readonly GroupCommitWriter<T> _groupCommit;
    private readonly CancellationTokenSource _stop = new();
    private readonly SemaphoreSlim _replayGate = new(1, 1);
    private readonly Task _replayLoop;
    private readonly int _batchSize;

    /// <summary>Creates the writer and starts its replay loop.</summary>
    /// <param name="commit">Commits a batch in one transaction, ignoring records already present.</param>
    /// <param name="isUnavailable">Says whether a commit failure means the database is unreachable (so the outbox takes the batch) rather than a bad record.</param>
    /// <param name="outbox">The local outbox.</param>
    /// <param name="replayInterval">How often the outbox is checked and replayed.</param>
    /// <param name="timeProvider">The clock the replay loop waits on.</param>
    /// <param name="logger">Where outages and replays are reported.</param>
    /// <param name="batchSize">The most records committed together.</param>
    public DurableRecordWriter(
        Func<IReadOnlyList<T>, CancellationToken, Task> commit,
        Func<Exception, bool> isUnavailable,
        DurableOutbox<T> outbox,
        TimeSpan replayInterval,
        TimeProvider? timeProvider = null,
        ILogger? logger = null,
        int batchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(commit);
        ArgumentNullException.ThrowIfNull(isUnavailable);
        ArgumentNullException.ThrowIfNull(outbox);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(replayInterval, TimeSpan.Zero);
        _commit = commit;
        _isUnavailable = isUnavailable;
        _outbox = outbox;
        _logger = logger ?? NullLogger.Instance;
        _batchSize = batchSize;
        _groupCommit = new GroupCommitWriter<T>(CommitOrDivertAsync, batchSize);
        _replayLoop = ReplayLoopAsync(replayInterval, timeProvider ?? TimeProvider.System);
    }

    /// <summary>Gets how many records went to the outbox because the database was unreachable.</summary>
    public long DivertedToOutbox => Interlocked.Read(ref _diverted);

    private long _diverted;
    private int _disposed;

    /// <summary>Gets the outbox this writer falls back to.</summary>
    public DurableOutbox<T> Outbox => _outbox;

    /// <summary>Writes a record and returns once it is durable (committed, or in the fsync'd outbox).</summary>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Stops waiting; the record may still become durable.</param>
    /// <returns>A task that completes when the record is durable.</returns>
    /// <exception cref="InvoiceOcrException">Neither the database nor the outbox could take the record (kind <see cref="InvoiceOcrErrorKind.StoreUnavailable"/>).</exception>
    public async Task WriteAsync(T record, CancellationToken cancellationToken = default)
    {
        await _groupCommit.WriteAsync(record, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends a record the caller could not commit (the database is unreachable) to the outbox, for replay.</summary>
    /// <param name="record">The record.</param>
    /// <param name="reason">The failure that made the database unreachable.</param>
    /// <param name="cancellationToken">Cancels waiting for the outbox lock.</param>
    /// <returns>A task that completes when the record is on disk.</returns>
    /// <exception cref="InvoiceOcrException">The outbox could not take the record either (kind <see cref="InvoiceOcrErrorKind.StoreUnavailable"/>).</exception>
    public async Task DivertAsync(T record, Exception reason, CancellationToken cancellationToken = default)
    {
        Log.DivertingToOutbox(_logger, 1, _outbox.Directory, reason.GetType().Name, SecretScrubber.Scrub(reason.Message));
        await AppendToOutboxAsync([record], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Appends a record to the outbox without trying the database (the caller just found it unreachable).</summary>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Cancels waiting for the outbox lock.</param>
    /// <returns>A task that completes when the record is on disk.</returns>
    /// <exception cref="InvoiceOcrException">The outbox could not take the record (kind <see cref="InvoiceOcrErrorKind.StoreUnavailable"/>).</exception>
    public async Task KeepAsync(T record, CancellationToken cancellationToken = default)
    {
        Log.DivertingToOutbox(_logger, 1, _outbox.Directory, nameof(InvoiceOcrErrorKind.StoreUnavailable), null);
        await AppendToOutboxAsync([record], cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replays the outbox now (also done periodically in the background).</summary>
    /// <param name="cancellationToken">Stops the replay between chunks.</param>
    /// <returns>How many records were replayed.</returns>
    public async Task<int> ReplayOutboxAsync(CancellationToken cancellationToken = default)
    {
        await _replayGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var count = await _outbox.ReplayAsync(_commit, _batchSize, cancellationToken).ConfigureAwait(false);
            if (count > 0)
            {
                Log.OutboxReplayed(_logger, count, _outbox.Directory);
            }

            return count;
        }
        finally
        {
            _replayGate.Release();
        }
    }

    /// <summary>Commits what is pending, stops the replay loop and closes the outbox file.</summary>
    /// <returns>A task that completes when everything has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _groupCommit.DisposeAsync().ConfigureAwait(false);
        await _stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await _replayLoop.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Stopping.
        }

        _outbox.Dispose();
        _stop.Dispose();
    }

    private async Task CommitOrDivertAsync(IReadOnlyList<T> batch, CancellationToken cancellationToken)
    {
        try
        {
            await _commit(batch, cancellationToken).ConfigureAwait(false);
            return;
        }
        catch (Exception ex) when (_isUnavailable(ex))
        {
            Log.DivertingToOutbox(_logger, batch.Count, _outbox.Directory, ex.GetType().Name, SecretScrubber.Scrub(ex.Message));
        }

        await AppendToOutboxAsync(batch, cancellationToken).ConfigureAwait(false);
    }

    private async Task AppendToOutboxAsync(IReadOnlyList<T> batch, CancellationToken cancellationToken)
    {
        try
        {
            await _outbox.AppendAsync(batch, cancellationToken).ConfigureAwait(false);
            Interlocked.Add(ref _diverted, batch.Count);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.StoreUnavailable,
                $"The usage store is unreachable and the local outbox at '{_outbox.Directory}' cannot be written; the usage was not recorded.",
                ex);
        }
    }

    private async Task ReplayLoopAsync(TimeSpan interval, TimeProvider timeProvider)
    {
        await Task.Yield();
        using var timer = new PeriodicTimer(interval, timeProvider);
        while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
        {
            if (!_outbox.HasPending())
            {
                continue;
            }

            try
            {
                await ReplayOutboxAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (_isUnavailable(ex) || ex is IOException)
            {
                Log.ReplayDeferred(_logger, ex.GetType().Name);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(4101, LogLevel.Warning, "The store is unreachable; {Count} record(s) written to the durable outbox at {Directory} ({ErrorType}: {ErrorMessage}).")]
        public static partial void DivertingToOutbox(ILogger logger, int count, string directory, string errorType, string? errorMessage);

        [LoggerMessage(4102, LogLevel.Information, "Replayed {Count} record(s) from the durable outbox at {Directory}.")]
        public static partial void OutboxReplayed(ILogger logger, int count, string directory);

        [LoggerMessage(4103, LogLevel.Debug, "Outbox replay deferred: the store is still unreachable ({ErrorType}).")]
        public static partial void ReplayDeferred(ILogger logger, string errorType);
    }
}
