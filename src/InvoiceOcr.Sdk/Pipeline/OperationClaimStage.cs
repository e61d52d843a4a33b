using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// Stage 2: decides the operation's claim before the first attempt. A succeeded operation is answered from its stored
/// outcome with no model call (from the store, so across processes); one running elsewhere is refused as
/// <see cref="InvoiceOcrErrorKind.OperationInProgress"/>; an idempotency key reused for another document is refused as
/// <see cref="InvoiceOcrErrorKind.BadRequest"/>. A call with an idempotency key is never made unclaimed: when the store is
/// unreachable it fails as <see cref="InvoiceOcrErrorKind.StoreUnavailable"/> before any attempt.
/// </summary>
/// <remarks>
/// With the built-in token provider over the operation store itself, the claim's write rides in the call's first granted
/// reservation (<see cref="QuotaReservationRequest.Claim"/>, made by <see cref="KeyLeaseStage"/>): claim, reservation and
/// journal entry are one transaction, and a claim lost to a concurrent caller rolls the whole transaction back. What this
/// stage does first is a read (none for a generated operation id, which no other call can present): a completed operation is
/// answered and a held one refused without touching a budget or a key. Otherwise (a user's <see cref="ITokenProvider"/>, an
/// operation store apart from the quota store) the claim is its own write here, as before any budget and retry.
/// </remarks>
internal sealed partial class OperationClaimStage(
    IOperationStore operations,
    ITokenProvider tokenProvider,
    IOptions<RetryOptions> retryOptions,
    TimeProvider timeProvider,
    ILogger<OperationClaimStage> logger) : ModelCallStage
{
    // The claim must outlive the call (total timeout) so that no second caller takes over a live call; the margin covers
    // the settlement that follows the last attempt. Each journaled attempt then holds it until the attempt's expiry (the
    // store does, IOperationStore.BeginAttemptAsync): a success whose billed ending waits in this process's outbox (the
    // store unreachable as it ended) leaves the operation in progress, and until the replay completes it a caller with the
    // same idempotency key elsewhere is refused as OperationInProgress rather than billed a second time.
    private readonly TimeSpan _claimDuration = retryOptions.Value.TotalTimeout + TimeSpan.FromMinutes(1);

    private readonly bool _claimWithReservation = tokenProvider is Keys.TokenProvider builtIn && builtIn.Reserves(operations);

    public override async ValueTask InvokeAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        var claim = new OperationClaim(context.OperationId, context.Caller.CompanyId, context.DocumentSha256, _claimDuration);
        if (_claimWithReservation)
        {
            if (context.Caller.IdempotencyKey is not null && !await PreCheckAsync(context, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            context.PendingClaim = claim;
            await Next.InvokeAsync(context, cancellationToken).ConfigureAwait(false);
            return;
        }

        OperationClaimResult result;
        try
        {
            result = await operations.ClaimOperationAsync(claim, cancellationToken).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            if (context.Caller.IdempotencyKey is not null)
            {
                // The store's claim is the only truth shared across processes: without it another process (or this one
                // after a restart) could bill the same idempotency key again. No claim, no attempt.
                LogClaimRefused(logger, context.OperationId);
                throw Refusal(ex);
            }

            // A generated operation id is this call's alone: no other call can present it, so running unclaimed bills nothing twice.
            LogClaimFailed(logger, context.OperationId);
            await Next.InvokeAsync(context, cancellationToken).ConfigureAwait(false);
            return;
        }

        if (Apply(context, result, timeProvider))
        {
            await Next.InvokeAsync(context, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Applies a decided claim to the call: claimed (the call runs, its attempts numbered after the operation's earlier ones),
    /// completed (the stored outcome answers it), or held elsewhere (refused). A key reused for another document is refused.
    /// </summary>
    /// <returns><see langword="true"/> when the call holds the claim and runs.</returns>
    /// <exception cref="InvoiceOcrException">In progress elsewhere, or the key was used for another document.</exception>
    internal static bool Apply(ModelCallContext context, OperationClaimResult claim, TimeProvider timeProvider)
    {
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
                return false;

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
        return true;
    }

    /// <summary>The refusal of a call with an idempotency key whose claim the store could not take.</summary>
    internal static InvoiceOcrException Refusal(InvoiceOcrException storeError) => new(
        InvoiceOcrErrorKind.StoreUnavailable,
        "The store is unreachable, so the extraction's idempotency key could not be claimed and the model was not called. Try again shortly.",
        storeError)
    {
        RetryAfter = TimeSpan.FromSeconds(1),
    };

    /// <summary>
    /// Reads the operation (no write): a completed one is answered and one held by a live claim refused before any budget or key
    /// is touched. A failed one, a lapsed claim or none goes on to be claimed with the first reservation, which decides for
    /// good (a concurrent caller may claim or complete it in between).
    /// </summary>
    private async ValueTask<bool> PreCheckAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        OperationRecord? existing;
        try
        {
            existing = await operations.GetOperationAsync(context.OperationId, cancellationToken).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            // No claim, no attempt: the store is the only truth about this idempotency key shared across processes.
            LogClaimRefused(logger, context.OperationId);
            throw Refusal(ex);
        }

        return existing switch
        {
            { State: OperationState.Succeeded } => Apply(context, new OperationClaimResult(OperationClaimStatus.Completed, existing), timeProvider),
            { State: OperationState.InProgress } when existing.ClaimedUntil > timeProvider.GetUtcNow() =>
                Apply(context, new OperationClaimResult(OperationClaimStatus.InProgress, existing), timeProvider),
            _ => true,
        };
    }

    private static string For(string? fileName) => fileName is null ? string.Empty : $" '{fileName}'";

    [LoggerMessage(2301, LogLevel.Warning, "Operation {OperationId}: the store is unreachable, so the operation could not be claimed; calling the model without deduplication (the call has no idempotency key).")]
    internal static partial void LogClaimFailed(ILogger logger, string operationId);

    [LoggerMessage(2311, LogLevel.Warning, "Operation {OperationId}: the store is unreachable, so the idempotency key could not be claimed; the model is not called.")]
    internal static partial void LogClaimRefused(ILogger logger, string operationId);
}
