using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// Stage 2: claims the operation in the store before the first attempt. A succeeded operation is answered from its stored
/// outcome with no model call (from the store, so across processes); one running elsewhere is refused as
/// <see cref="InvoiceOcrErrorKind.OperationInProgress"/>; an idempotency key reused for another document is refused as
/// <see cref="InvoiceOcrErrorKind.BadRequest"/>. A call with an idempotency key is never made unclaimed: when the store is
/// unreachable it fails as <see cref="InvoiceOcrErrorKind.StoreUnavailable"/> before any attempt.
/// </summary>
internal sealed partial class OperationClaimStage(
    IOperationStore operations,
    IOptions<RetryOptions> retryOptions,
    TimeProvider timeProvider,
    ILogger<OperationClaimStage> logger) : ModelCallStage
{
    // The claim must outlive the call (total timeout) so that no second caller takes over a live call; the margin covers
    // the settlement that follows the last attempt.
    private readonly TimeSpan _claimDuration = retryOptions.Value.TotalTimeout + TimeSpan.FromMinutes(1);

    public override async ValueTask InvokeAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        OperationClaimResult claim;
        try
        {
            claim = await operations.ClaimOperationAsync(
                new OperationClaim(context.OperationId, context.Caller.CompanyId, context.DocumentSha256, _claimDuration),
                cancellationToken).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            if (context.Caller.IdempotencyKey is not null)
            {
                // The store's claim is the only truth shared across processes: without it another process (or this one
                // after a restart) could bill the same idempotency key again. No claim, no attempt.
                LogClaimRefused(logger, context.OperationId);
                throw new InvoiceOcrException(
                    InvoiceOcrErrorKind.StoreUnavailable,
                    "The store is unreachable, so the extraction's idempotency key could not be claimed and the model was not called. Try again shortly.",
                    ex)
                {
                    RetryAfter = TimeSpan.FromSeconds(1),
                };
            }

            // A generated operation id is this call's alone: no other call can present it, so running unclaimed bills nothing twice.
            LogClaimFailed(logger, context.OperationId);
            await Next.InvokeAsync(context, cancellationToken).ConfigureAwait(false);
            return;
        }

        var operation = claim.Operation;
        if (claim.Status != OperationClaimStatus.Claimed && operation.DocumentSha256 is { } stored && context.DocumentSha256 is { } current &&
            !string.Equals(stored, current, StringComparison.OrdinalIgnoreCase))
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.BadRequest,
                $"The idempotency key of this extraction was already used by your company for another document{For(context.FileName)}. Use a new idempotency key for each document.");
        }

        switch (claim.Status)
        {
            case OperationClaimStatus.Completed:
                context.Replayed = operation;
                return;

            case OperationClaimStatus.InProgress:
                var wait = operation.ClaimedUntil - timeProvider.GetUtcNow();
                throw new InvoiceOcrException(
                    InvoiceOcrErrorKind.OperationInProgress,
                    "An extraction with this idempotency key is already running for your company. Try again once it has finished.")
                {
                    IsTransient = false,
                    RetryAfter = wait > TimeSpan.Zero ? TimeSpan.FromSeconds(Math.Min(Math.Ceiling(wait.TotalSeconds), 5)) : TimeSpan.FromSeconds(1),
                };
        }

        context.Claimed = true;
        context.PriorAttempts = operation.AttemptCount;
        await Next.InvokeAsync(context, cancellationToken).ConfigureAwait(false);
    }

    private static string For(string? fileName) => fileName is null ? string.Empty : $" '{fileName}'";

    [LoggerMessage(2301, LogLevel.Warning, "Operation {OperationId}: the store is unreachable, so the operation could not be claimed; calling the model without deduplication (the call has no idempotency key).")]
    private static partial void LogClaimFailed(ILogger logger, string operationId);

    [LoggerMessage(2311, LogLevel.Warning, "Operation {OperationId}: the store is unreachable, so the idempotency key could not be claimed; the model is not called.")]
    private static partial void LogClaimRefused(ILogger logger, string operationId);
}
