using System.Threading.Channels;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// Group commit for records that must be durable before the caller goes on. Callers enqueue one record and
/// wait; a single writer loop takes everything pending (up to <c>maxBatchSize</c>), commits it in one
/// transaction through the given delegate, and completes every waiting caller with the outcome. While a
/// batch commits, new records gather for the next one, so N concurrent callers cost about one commit per
/// round trip instead of N.
/// </summary>
/// <typeparam name="T">The record type.</typeparam>
internal sealed class GroupCommitWriter<T> : IAsyncDisposable
{
    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Func<IReadOnlyList<T>, CancellationToken, Task> _commitBatch;
    private readonly int _maxBatchSize;
    private readonly Task _loop;

    /// <summary>Creates the writer and starts its loop.</summary>
    /// <param name="commitBatch">Commits a batch in one transaction; throws when nothing was committed.</param>
    /// <param name="maxBatchSize">The most records committed together.</param>
    public GroupCommitWriter(Func<IReadOnlyList<T>, CancellationToken, Task> commitBatch, int maxBatchSize = 256)
    {
        ArgumentNullException.ThrowIfNull(commitBatch);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatchSize, 1);
        _commitBatch = commitBatch;
        _maxBatchSize = maxBatchSize;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Gets how many batches were committed (or failed) so far.</summary>
    public long BatchCount => Interlocked.Read(ref _batchCount);

    private long _batchCount;

    /// <summary>Enqueues a record and waits until its batch committed.</summary>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Stops the wait; the record may still be committed.</param>
    /// <returns>A task that completes when the record is durable, or faults with the batch's exception.</returns>
    /// <exception cref="ObjectDisposedException">The writer was disposed.</exception>
    public Task WriteAsync(T record, CancellationToken cancellationToken = default)
    {
        var pending = new Pending(record, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
        ObjectDisposedException.ThrowIf(!_queue.Writer.TryWrite(pending), this);

        return pending.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops accepting records, commits what is pending, and stops the loop.</summary>
    /// <returns>A task that completes when the loop has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        var batch = new List<Pending>(_maxBatchSize);
        var records = new List<T>(_maxBatchSize);
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            records.Clear();
            while (batch.Count < _maxBatchSize && _queue.Reader.TryRead(out var pending))
            {
                batch.Add(pending);
                records.Add(pending.Record);
            }

            try
            {
                await _commitBatch(records.ToArray(), CancellationToken.None).ConfigureAwait(false);
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetResult();
                }
            }
#pragma warning disable CA1031 // Every failure is handed to the callers who wait for this batch.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                foreach (var pending in batch)
                {
                    pending.Completion.TrySetException(ex);
                }
            }

            Interlocked.Increment(ref _batchCount);
        }
    }

    private readonly record struct Pending(T Record, TaskCompletionSource Completion);
}
