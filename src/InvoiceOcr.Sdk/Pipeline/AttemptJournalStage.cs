using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// Stage 6: journals the attempt (attempt id, key, reservation, estimate) in the store before its request is sent, so that
/// after a crash it can be named. The attempt id is also its ledger row's id, unique per attempt. An attempt that ends
/// without reaching the settlement stage (an open circuit, a cancellation before the request left) is ended here as not
/// billed.
/// </summary>
internal sealed partial class AttemptJournalStage(
    IOperationStore operations,
    AttemptEnder ender,
    IOptions<KeyPoolOptions> keyPoolOptions,
    TimeProvider timeProvider,
    ILogger<AttemptJournalStage> logger) : ModelCallStage
{
    private readonly TimeSpan _reservationTimeToLive = keyPoolOptions.Value.ReservationTimeToLive;

    public override async ValueTask InvokeAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        var lease = context.Lease ?? throw new InvalidOperationException("The attempt has no lease.");
        var now = timeProvider.GetUtcNow();
        context.Attempts++;
        context.AttemptNumber = context.PriorAttempts + context.Attempts;
        context.AttemptId = Guid.CreateVersion7(now).ToString("N");
        context.AttemptStartedAt = now;
        try
        {
            await operations.BeginAttemptAsync(
                new AttemptJournalEntry
                {
                    AttemptId = context.AttemptId,
                    OperationId = context.OperationId,
                    CompanyId = context.Caller.CompanyId,
                    KeyId = lease.KeyId,
                    ProjectId = lease.ProjectId,
                    ReservationId = lease.ReservationId,
                    EstimatedTokens = lease.ReservationId is null ? context.EstimatedTokens : lease.ReservedTokens,
                    AttemptNumber = context.AttemptNumber,
                    StartedAt = now,
                    ExpiresAt = now + _reservationTimeToLive,
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            // Availability first: the attempt runs unjournaled; its reservation (if any) is reclaimed and charged if never settled.
            LogJournalFailed(logger, context.OperationId, context.AttemptNumber);
        }
        catch
        {
            await ender.EndWithoutAnswerAsync(context).ConfigureAwait(false);
            throw;
        }

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

    [LoggerMessage(2303, LogLevel.Warning, "Operation {OperationId}: the store is unreachable, so attempt {AttemptNumber} runs without a journal entry.")]
    private static partial void LogJournalFailed(ILogger logger, string operationId, int attemptNumber);
}
