using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// Stage 6: journals the attempt (attempt id, key, reservation, estimate) before its request is sent, so that after a crash
/// it can be named. With the built-in token provider the store has already journaled it in the reservation's transaction
/// (<see cref="KeyLease.AttemptJournaled"/>); otherwise it is written here. No attempt is sent without a durable entry: when the store is unreachable the entry goes to the local
/// <see cref="IAttemptJournalOutbox"/> (replayed into the store when it is back); with no outbox, or one that cannot take it
/// either, the attempt is not sent and fails as <see cref="InvoiceOcrErrorKind.StoreUnavailable"/>. The attempt id is also
/// its ledger row's id, unique per attempt. An attempt that ends without reaching the settlement stage (an open circuit, a
/// cancellation before the request left) is ended here as not billed.
/// </summary>
internal sealed partial class AttemptJournalStage(
    IOperationStore operations,
    AttemptEnder ender,
    IOptions<KeyPoolOptions> keyPoolOptions,
    TimeProvider timeProvider,
    ILogger<AttemptJournalStage> logger,
    IAttemptJournalOutbox? outbox = null) : ModelCallStage
{
    private readonly TimeSpan _reservationTimeToLive = keyPoolOptions.Value.ReservationTimeToLive;

    public override async ValueTask InvokeAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        var lease = context.Lease ?? throw new InvalidOperationException("The attempt has no lease.");
        var now = timeProvider.GetUtcNow();
        var pending = context.PendingJournal;
        context.Attempts++;
        context.AttemptNumber = context.PriorAttempts + context.Attempts;
        context.AttemptId = pending?.AttemptId ?? Guid.CreateVersion7(now).ToString("N");
        // Stamped with the reservation's instant when the store journaled it with the reservation, else now (after the lease):
        // either way not before the reservation, so the ledger row lands in the day window the reservation counted in.
        context.AttemptStartedAt = lease.AttemptJournaled && lease.AttemptStartedAt is { } journaledAt ? journaledAt : now;
        if (lease.AttemptJournaled)
        {
            // Journaled by the store in the reservation's transaction.
            await RunAttemptAsync(context, cancellationToken).ConfigureAwait(false);
            return;
        }

        // Built only here: an attempt the store journaled with its reservation needs no second entry.
        var entry = new AttemptJournalEntry
        {
            AttemptId = context.AttemptId,
            OperationId = context.OperationId,
            CompanyId = context.Caller.CompanyId,
            KeyId = lease.KeyId,
            ProjectId = lease.ProjectId,
            ReservationId = lease.ReservationId,
            EstimatedTokens = lease.ReservationId is null ? context.EstimatedTokens : lease.ReservedTokens,

            // What the attempt holds in the minute windows: its reservation's input estimate, or (none: a fallback key, a user's
            // provider) the prompt's, which an unreserved attempt of unknown outcome is charged there.
            EstimatedInputTokens = lease.ReservedInputTokens > 0 ? lease.ReservedInputTokens : context.PromptTokens,
            AttemptNumber = context.AttemptNumber,
            StartedAt = context.AttemptStartedAt,
            ExpiresAt = now + _reservationTimeToLive,
        };
        try
        {
            await operations.BeginAttemptAsync(entry, cancellationToken).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            await KeepLocallyAsync(context, entry, ex, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await ender.EndWithoutAnswerAsync(context).ConfigureAwait(false);
            throw;
        }

        await RunAttemptAsync(context, cancellationToken).ConfigureAwait(false);
    }

    private async ValueTask RunAttemptAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        try
        {
            await Next.InvokeAsync(context, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (!context.AttemptEnded)
            {
                await ender.EndWithoutAnswerAsync(context).ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// The store could not take the entry: the local outbox must, or the attempt is not sent. A refused attempt was journaled
    /// nowhere, so its reservation is released through the lease's owner, not ended in the store.
    /// </summary>
    private async ValueTask KeepLocallyAsync(ModelCallContext context, AttemptJournalEntry entry, InvoiceOcrException storeError, CancellationToken cancellationToken)
    {
        InvoiceOcrException? refusal = null;
        if (outbox is null)
        {
            refusal = storeError;
        }
        else
        {
            try
            {
                await outbox.KeepAsync(entry, cancellationToken).ConfigureAwait(false);
                LogJournalKeptLocally(logger, context.OperationId, context.AttemptNumber);
                return;
            }
            catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
            {
                refusal = ex;
            }
            catch (OperationCanceledException)
            {
                context.AttemptId = null;
                await ender.EndWithoutAnswerAsync(context).ConfigureAwait(false);
                throw;
            }
        }

        LogJournalRefused(logger, context.OperationId, context.AttemptNumber);
        context.AttemptId = null;
        await ender.EndWithoutAnswerAsync(context).ConfigureAwait(false);
        throw new InvoiceOcrException(
            InvoiceOcrErrorKind.StoreUnavailable,
            "The store is unreachable and no local outbox could journal the attempt, so its request was not sent.",
            refusal)
        {
            KeyId = entry.KeyId,
        };
    }

    [LoggerMessage(2303, LogLevel.Warning, "Operation {OperationId}: the store is unreachable, so attempt {AttemptNumber} is journaled in the local outbox.")]
    private static partial void LogJournalKeptLocally(ILogger logger, string operationId, int attemptNumber);

    [LoggerMessage(2310, LogLevel.Warning, "Operation {OperationId}: the store is unreachable and no local outbox took the journal entry, so attempt {AttemptNumber} is not sent.")]
    private static partial void LogJournalRefused(ILogger logger, string operationId, int attemptNumber);
}
