using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// Ends an attempt that was not billed, or whose outcome is unknown, in the store (one transaction: the reservation is
/// released, or charged at its estimate) and tells the lease's owner. Used by the settlement stage and by the journal stage
/// for attempts that never reached the model.
/// </summary>
internal sealed partial class AttemptEnder(IOperationStore operations, ITokenProvider tokenProvider, ILogger<AttemptEnder> logger, IAttemptJournalOutbox? outbox = null)
{
    /// <summary>Ends the current attempt: outcome unknown if its request left, else not billed.</summary>
    public ValueTask EndWithoutAnswerAsync(ModelCallContext context) =>
        EndAsync(context, context.RequestSent ? AttemptResult.OutcomeUnknown : AttemptResult.NotBilled);

    /// <summary>Ends the current attempt as not billed or outcome unknown.</summary>
    public async ValueTask EndAsync(ModelCallContext context, AttemptResult result)
    {
        var lease = context.Lease;
        context.AttemptEnded = true;
        if (lease is null)
        {
            return;
        }

        // Bookkeeping finishes even when the caller cancels: the service may have billed the attempt.
        QuotaSettlement? settlement = null;
        if (context.AttemptId is { } attemptId)
        {
            try
            {
                settlement = await operations.EndAttemptAsync(new AttemptEnding(attemptId, result), CancellationToken.None).ConfigureAwait(false);
            }
            catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
            {
                // Kept in the local outbox, the ending is replayed after the journal entry; failing that, the attempt stays in
                // flight in the journal and is resolved as outcome-unknown (charged) later.
                LogEndFailed(logger, context.OperationId, context.AttemptNumber, result);
                if (outbox is not null)
                {
                    try
                    {
                        await outbox.KeepEndingAsync(new AttemptEnding(attemptId, result), CancellationToken.None).ConfigureAwait(false);
                    }
                    catch (InvoiceOcrException kept) when (kept.Kind == InvoiceOcrErrorKind.StoreUnavailable)
                    {
                        // Nowhere durable: the in-flight resolution charges it, never less than it may have cost.
                    }
                }

                return;
            }
        }

        if (result == AttemptResult.OutcomeUnknown)
        {
            LogOutcomeUnknown(logger, context.OperationId, context.AttemptNumber, lease.KeyId);
            var estimate = lease.ReservedTokens > 0 ? lease.ReservedTokens : context.EstimatedTokens;
            // The per-minute windows keep the input estimate they hold (the prompt was sent); the rest keeps the total estimate.
            var input = lease.ReservedInputTokens > 0 ? lease.ReservedInputTokens : context.PromptTokens;
            var charged = new TokenUsage { TotalTokens = (int)Math.Min(int.MaxValue, estimate), InputTokens = (int)Math.Min(int.MaxValue, input) };
            var recorded = settlement is null ? new RecordedUsage(UsageRecording.Recorded) : new RecordedUsage(UsageRecording.Settled, settlement);
            await tokenProvider.SettleAsync(lease, charged, recorded, CancellationToken.None).ConfigureAwait(false);
        }
        else
        {
            await tokenProvider.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
        }
    }

    [LoggerMessage(2306, LogLevel.Warning, "Operation {OperationId}: attempt {AttemptNumber} with key {KeyId} was sent and got no answer; its outcome is unknown and it is charged at its estimate.")]
    private static partial void LogOutcomeUnknown(ILogger logger, string operationId, int attemptNumber, string keyId);

    [LoggerMessage(2307, LogLevel.Warning, "Operation {OperationId}: the store is unreachable, so attempt {AttemptNumber} could not be ended ({Result}); it is resolved later.")]
    private static partial void LogEndFailed(ILogger logger, string operationId, int attemptNumber, AttemptResult result);
}
