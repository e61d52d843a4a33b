using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// Stage 3 (the last thing a call does, on its way out): completes the claimed operation with its outcome, so a later call
/// with the same idempotency key is answered from the store. A success is normally completed already, in the transaction of
/// its billed attempt's ledger row (<see cref="UsageRecord.OperationOutcomeJson"/>); this stage writes it only when that did
/// not happen (a user's <see cref="IUsageLogger"/>, a record in the outbox). A failed operation may be claimed again.
/// </summary>
internal sealed partial class OperationCompletionStage(IOperationStore operations, ILogger<OperationCompletionStage> logger) : ModelCallStage
{
    public override async ValueTask InvokeAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        try
        {
            await Next.InvokeAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (context.Claimed)
        {
            var kind = ex is InvoiceOcrException error ? error.Kind : InvoiceOcrErrorKind.Unknown;
            await CompleteAsync(context, new OperationCompletion(context.OperationId, false, null, kind)).ConfigureAwait(false);
            throw;
        }

        // Completed already when the built-in usage logger wrote it with the ledger row; a user's logger, or a record that
        // went to the outbox, leaves it to this write (idempotent: a succeeded operation is never changed).
        if (context.Claimed && !context.OperationCompleted)
        {
            var outcome = StoredOutcome.Serialize(context, context.Answer?.ModelVersion, context.Answer?.ResponseId);
            await CompleteAsync(context, new OperationCompletion(context.OperationId, true, outcome, null)).ConfigureAwait(false);
        }
    }

    private async ValueTask CompleteAsync(ModelCallContext context, OperationCompletion completion)
    {
        try
        {
            // Not cancellable: the attempt's usage is already recorded, and its outcome must be stored with it.
            await operations.CompleteOperationAsync(completion, CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            // A failure's claim lapses after the total timeout; a success whose billed record went to the outbox is completed
            // by its replay (the record carries the outcome), its journaled attempt holding the claim until then (its expiry).
            // The ledger keeps the billed attempts either way.
            LogCompletionFailed(logger, context.OperationId);
        }
    }

    [LoggerMessage(2302, LogLevel.Warning, "Operation {OperationId}: the store is unreachable, so the operation's outcome could not be stored; its claim lapses.")]
    private static partial void LogCompletionFailed(ILogger logger, string operationId);
}
