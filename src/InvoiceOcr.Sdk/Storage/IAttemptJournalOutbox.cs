namespace InvoiceOcr.Sdk;

/// <summary>
/// A local durable place for attempt journal entries while the <see cref="IOperationStore"/> is unreachable. An attempt is
/// never sent without a durable journal entry: when the store cannot take it, the pipeline hands it to this outbox, which
/// keeps it on local disk and replays it into the store (<see cref="IOperationStore.BeginAttemptAsync"/>, idempotent) when
/// the store is back; an entry replayed without an ending is an in-flight attempt, resolved as outcome-unknown. With no
/// outbox registered (or when it cannot take the entry either) the attempt is not sent and the call fails with
/// <see cref="InvoiceOcrErrorKind.StoreUnavailable"/>. The SQL stores register theirs (the durable usage logger's outbox).
/// </summary>
public interface IAttemptJournalOutbox
{
    /// <summary>Keeps an attempt's journal entry durably on local storage, for replay into the store.</summary>
    /// <param name="attempt">The entry the store could not take.</param>
    /// <param name="cancellationToken">Cancels waiting for the outbox.</param>
    /// <returns>A task that completes when the entry is durable (fsync'd).</returns>
    /// <exception cref="InvoiceOcrException">The outbox could not take it either (kind <see cref="InvoiceOcrErrorKind.StoreUnavailable"/>).</exception>
    ValueTask KeepAsync(AttemptJournalEntry attempt, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps an attempt's ending (not billed, or outcome unknown) the store could not take, for replay through
    /// <see cref="IOperationStore.EndAttemptAsync"/> after the journal entries; without it an attempt whose error answer
    /// arrived while the store was down would be resolved, and charged, as outcome-unknown.
    /// </summary>
    /// <param name="ending">The ending (billed endings travel as usage records through <see cref="IUsageLogger"/>).</param>
    /// <param name="cancellationToken">Cancels waiting for the outbox.</param>
    /// <returns>A task that completes when the ending is durable (fsync'd).</returns>
    /// <exception cref="InvoiceOcrException">The outbox could not take it (kind <see cref="InvoiceOcrErrorKind.StoreUnavailable"/>).</exception>
    ValueTask KeepEndingAsync(AttemptEnding ending, CancellationToken cancellationToken);
}
