using InvoiceOcr.Sdk.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// The <see cref="IUsageLogger"/> of the SQL stores. When the store is also the <see cref="IOperationStore"/> (every
/// relational store), a billed attempt is ended through <see cref="IOperationStore.EndAttemptAsync"/>: its ledger row, its
/// reservation's settlement and its completion commit in one transaction. Otherwise usage records are committed with group
/// commit (concurrent calls share one transaction). Retry records always use group commit. Each call returns once its
/// record is durable. When the database is unreachable the records go to a local fsync'd outbox (<c>usage/</c> and
/// <c>retries/</c> under <see cref="DurableUsageLoggerOptions.OutboxDirectory"/>) and are replayed exactly once when it is
/// back: an attempt ending is replayed through <see cref="IOperationStore.EndAttemptAsync"/> (idempotent), so it counts
/// toward the key's used tokens once. It is also the <see cref="IAttemptJournalOutbox"/>: an attempt's journal entry the
/// store cannot take waits in <c>journal/</c> and is replayed (idempotently) before the usage records, so no attempt is
/// sent without a durable journal entry; an ending (not billed, outcome unknown) it cannot take waits in <c>endings/</c>,
/// replayed after the journal entries.
/// </summary>
public sealed class DurableUsageLogger : IUsageLogger, IAttemptJournalOutbox, IAsyncDisposable, IDisposable
{
    private readonly DurableRecordWriter<UsageRecord> _usage;
    private readonly DurableRecordWriter<RetryAttemptRecord> _retries;
    private readonly DurableRecordWriter<AttemptJournalEntry>? _journal;
    private readonly DurableRecordWriter<AttemptEnding>? _endings;
    private readonly IOperationStore? _operations;

    /// <summary>Creates the logger and starts its replay loops.</summary>
    /// <param name="ledger">The store's batch writer.</param>
    /// <param name="options">The options.</param>
    /// <param name="timeProvider">The clock the replay loops wait on.</param>
    /// <param name="logger">Where outages and replays are reported.</param>
    public DurableUsageLogger(IUsageLedgerBatchWriter ledger, DurableUsageLoggerOptions options, TimeProvider? timeProvider = null, ILogger<DurableUsageLogger>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.OutboxDirectory);
        timeProvider ??= TimeProvider.System;
        ILogger log = logger ?? (ILogger)NullLogger.Instance;
        _operations = ledger as IOperationStore;
        var operations = _operations;
        _usage = new DurableRecordWriter<UsageRecord>(
            operations is null
                ? async (batch, ct) => await ledger.AppendBatchAsync(batch, ct).ConfigureAwait(false)
                : async (batch, ct) =>
                {
                    // Replayed attempt endings: each is idempotent (an ended attempt changes nothing), in its own transaction.
                    foreach (var record in batch)
                    {
                        _ = await operations.EndAttemptAsync(new AttemptEnding(record.Id, AttemptResult.Billed, record), ct).ConfigureAwait(false);
                    }
                },
            IsUnavailable,
            new DurableOutbox<UsageRecord>(Path.Combine(options.OutboxDirectory, "usage"), PersistenceJsonContext.Default.UsageRecord, timeProvider),
            options.ReplayInterval,
            timeProvider,
            log,
            options.BatchSize);
        if (operations is not null)
        {
            _journal = new DurableRecordWriter<AttemptJournalEntry>(
                async (batch, ct) =>
                {
                    foreach (var entry in batch)
                    {
                        await operations.BeginAttemptAsync(entry, ct).ConfigureAwait(false);
                    }
                },
                IsUnavailable,
                new DurableOutbox<AttemptJournalEntry>(Path.Combine(options.OutboxDirectory, "journal"), PersistenceJsonContext.Default.AttemptJournalEntry, timeProvider),
                options.ReplayInterval,
                timeProvider,
                log,
                options.BatchSize);
            var journal = _journal;
            _endings = new DurableRecordWriter<AttemptEnding>(
                async (batch, ct) =>
                {
                    // An ending applies to a journaled attempt only: the journal entries this process kept go in first.
                    _ = await journal.ReplayOutboxAsync(ct).ConfigureAwait(false);
                    foreach (var ending in batch)
                    {
                        _ = await operations.EndAttemptAsync(ending, ct).ConfigureAwait(false);
                    }
                },
                IsUnavailable,
                new DurableOutbox<AttemptEnding>(Path.Combine(options.OutboxDirectory, "endings"), PersistenceJsonContext.Default.AttemptEnding, timeProvider),
                options.ReplayInterval,
                timeProvider,
                log,
                options.BatchSize);
        }

        _retries = new DurableRecordWriter<RetryAttemptRecord>(
            async (batch, ct) => await ledger.AppendRetryAttemptsAsync(batch, ct).ConfigureAwait(false),
            IsUnavailable,
            new DurableOutbox<RetryAttemptRecord>(Path.Combine(options.OutboxDirectory, "retries"), PersistenceJsonContext.Default.RetryAttemptRecord, timeProvider),
            options.ReplayInterval,
            timeProvider,
            log,
            options.BatchSize);
    }

    /// <summary>Gets how many usage records went to the outbox because the database was unreachable.</summary>
    public long UsageRecordsDiverted => _usage.DivertedToOutbox;

    /// <inheritdoc />
    public async ValueTask<RecordedUsage> LogUsageAsync(UsageRecord record, CancellationToken cancellationToken)
    {
        InvoiceOcrStoreValidation.Validate(record);
        if (_operations is { } operations)
        {
            try
            {
                var settlement = await operations.EndAttemptAsync(new AttemptEnding(record.Id, AttemptResult.Billed, record), cancellationToken).ConfigureAwait(false);
                return settlement is null ? new RecordedUsage(UsageRecording.Recorded) : new RecordedUsage(UsageRecording.Settled, settlement);
            }
            catch (Exception ex) when (IsUnavailable(ex))
            {
                // Deferred: the attempt stays in flight in the journal and its reservation held; the replay ends it, settling
                // the reservation (or, if it expired meanwhile and was charged at its estimate, correcting that charge).
                await _usage.DivertAsync(record, ex, cancellationToken).ConfigureAwait(false);
                return new RecordedUsage(UsageRecording.Deferred);
            }
        }

        await _usage.WriteAsync(record, cancellationToken).ConfigureAwait(false);
        return new RecordedUsage(UsageRecording.Recorded);
    }

    /// <summary>Gets how many attempt journal entries went to the outbox because the database was unreachable.</summary>
    public long JournalEntriesDiverted => _journal?.DivertedToOutbox ?? 0;

    /// <inheritdoc />
    /// <exception cref="InvoiceOcrException">The store is not an <see cref="IOperationStore"/> (nothing to replay into), or the outbox cannot be written (kind <see cref="InvoiceOcrErrorKind.StoreUnavailable"/>).</exception>
    public async ValueTask KeepAsync(AttemptJournalEntry attempt, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        if (_journal is null)
        {
            throw new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, "This usage logger's store keeps no attempt journal, so no journal entry can be kept for it.");
        }

        await _journal.KeepAsync(attempt, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    /// <exception cref="InvoiceOcrException">The store is not an <see cref="IOperationStore"/>, or the outbox cannot be written (kind <see cref="InvoiceOcrErrorKind.StoreUnavailable"/>).</exception>
    public async ValueTask KeepEndingAsync(AttemptEnding ending, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ending);
        if (_endings is null)
        {
            throw new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, "This usage logger's store keeps no attempt journal, so no attempt ending can be kept for it.");
        }

        await _endings.KeepAsync(ending, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask LogRetryAttemptAsync(RetryAttemptRecord record, CancellationToken cancellationToken)
    {
        InvoiceOcrStoreValidation.Validate(record);
        await _retries.WriteAsync(record, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Replays both outboxes now (also done periodically in the background).</summary>
    /// <param name="cancellationToken">Stops the replay between chunks.</param>
    /// <returns>How many records were replayed.</returns>
    public async Task<int> ReplayOutboxAsync(CancellationToken cancellationToken = default)
    {
        // Journal entries first, so a replayed billed record finds its attempt journaled (either order ends it exactly once).
        var journal = _journal is null ? 0 : await _journal.ReplayOutboxAsync(cancellationToken).ConfigureAwait(false);
        var endings = _endings is null ? 0 : await _endings.ReplayOutboxAsync(cancellationToken).ConfigureAwait(false);
        var usage = await _usage.ReplayOutboxAsync(cancellationToken).ConfigureAwait(false);
        var retries = await _retries.ReplayOutboxAsync(cancellationToken).ConfigureAwait(false);
        return journal + endings + usage + retries;
    }

    /// <summary>Commits what is pending and stops the replay loops; outbox files stay for the next start.</summary>
    /// <returns>A task that completes when stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (_endings is not null)
        {
            await _endings.DisposeAsync().ConfigureAwait(false);
        }

        if (_journal is not null)
        {
            await _journal.DisposeAsync().ConfigureAwait(false);
        }

        await _usage.DisposeAsync().ConfigureAwait(false);
        await _retries.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Commits what is pending and stops the replay loops (blocking); prefer <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private static bool IsUnavailable(Exception exception) =>
        exception is InvoiceOcrException { Kind: InvoiceOcrErrorKind.StoreUnavailable } or TimeoutException;
}
