using InvoiceOcr.Sdk.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// Stage 5: leases a key of the company with a quota reservation for the attempt (<see cref="ITokenProvider"/>), skipping the
/// keys this call failed over from. Near a lifetime limit the lease may reserve less than the full estimate (never less than
/// the prompt plus <see cref="KeyPoolOptions.MinimumOutputTokens"/>), and the request's output cap shrinks to fit. A failover
/// is counted here, when the new lease's key really differs from the failed one. The call's first granted lease also makes the
/// operation's claim the claim stage left pending (<see cref="ModelCallContext.PendingClaim"/>): with the built-in provider in
/// the reservation's own transaction; when the store did not (a fallback key while it is unreachable, a store that ignores
/// claims), as a write of its own before anything is sent.
/// </summary>
internal sealed partial class KeyLeaseStage(
    ITokenProvider tokenProvider,
    IOperationStore operations,
    IOptions<KeyPoolOptions> options,
    InvoiceOcrMetrics metrics,
    TimeProvider timeProvider,
    ILogger<KeyLeaseStage> logger) : ModelCallStage
{
    private readonly int _minimumOutputTokens = options.Value.MinimumOutputTokens;
    private readonly TimeSpan _reservationTimeToLive = options.Value.ReservationTimeToLive;

    public override async ValueTask InvokeAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        var request = new KeyLeaseRequest(context.Caller.CompanyId, context.Model, context.EstimatedTokens)
        {
            ExcludedKeyIds = context.ExcludedKeys ?? [],
            MinimumTokens = context.PromptTokens + Math.Min(_minimumOutputTokens, context.MaxOutputTokens),
            InputTokens = context.PromptTokens,
        };
        // The attempt's identity is fixed before the lease, so the built-in provider's store can journal it in the
        // reservation's transaction (one write); a user's provider leases only, and the journal stage writes the entry.
        var now = timeProvider.GetUtcNow();
        var journal = new AttemptJournalEntry
        {
            AttemptId = Guid.CreateVersion7(now).ToString("N"),
            OperationId = context.OperationId,
            CompanyId = context.Caller.CompanyId,
            KeyId = string.Empty, // set by the store from the reservation, or by the journal stage from the lease
            EstimatedTokens = context.EstimatedTokens,
            EstimatedInputTokens = context.PromptTokens, // the store journals the reservation's own
            AttemptNumber = context.PriorAttempts + context.Attempts + 1,
            StartedAt = now,
            ExpiresAt = now + _reservationTimeToLive,
        };
        context.PendingJournal = journal;
        var claim = context.PendingClaim;
        KeyLease lease;
        if (tokenProvider is Keys.TokenProvider builtIn)
        {
            var outcome = await builtIn.AcquireAsync(request, journal, claim, cancellationToken).ConfigureAwait(false);
            if (outcome.LostClaim is { } lost)
            {
                // Another call holds the operation or completed it; nothing was reserved or journaled.
                context.PendingClaim = null;
                _ = OperationClaimStage.Apply(context, lost, timeProvider);
                return;
            }

            lease = outcome.Lease!;
        }
        else
        {
            lease = await tokenProvider.AcquireAsync(request, cancellationToken).ConfigureAwait(false);
        }

        context.Lease = lease;
        if (claim is not null)
        {
            context.PendingClaim = null;
            if (lease.Claim is { } made)
            {
                context.Claimed = true;
                context.PriorAttempts = made.Operation.AttemptCount;
            }
            else if (!await ClaimApartAsync(context, lease, journal, claim, cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }

        if (context.PendingFailover is { } kind)
        {
            context.PendingFailover = null;
            if (!string.Equals(lease.KeyId, context.LastKeyId, StringComparison.Ordinal))
            {
                metrics.Failover(kind);
            }
        }

        if (lease.IsFallback)
        {
            LogFallbackLease(logger, lease.KeyId, context.OperationId);
        }

        await Next.InvokeAsync(context, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// The lease came without the claim (a fallback key while the store is unreachable, or a quota store that ignores claims):
    /// the claim is written on its own before anything is sent. No claim, no attempt for an idempotency key; a lost claim
    /// gives the lease back.
    /// </summary>
    /// <returns><see langword="true"/> when the call goes on (claimed, or unclaimed with a generated operation id).</returns>
    private async ValueTask<bool> ClaimApartAsync(ModelCallContext context, KeyLease lease, AttemptJournalEntry journal, OperationClaim claim, CancellationToken cancellationToken)
    {
        OperationClaimResult result;
        try
        {
            result = await operations.ClaimOperationAsync(claim, cancellationToken).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            if (context.Caller.IdempotencyKey is null)
            {
                // A generated operation id is this call's alone: running unclaimed bills nothing twice.
                OperationClaimStage.LogClaimFailed(logger, context.OperationId);
                return true;
            }

            OperationClaimStage.LogClaimRefused(logger, context.OperationId);
            await GiveBackAsync(context, lease, journal).ConfigureAwait(false);
            throw OperationClaimStage.Refusal(ex);
        }

        if (result.Status == OperationClaimStatus.Claimed)
        {
            return OperationClaimStage.Apply(context, result, timeProvider);
        }

        await GiveBackAsync(context, lease, journal).ConfigureAwait(false);
        return OperationClaimStage.Apply(context, result, timeProvider);
    }

    /// <summary>Gives back a lease whose call will not run: its journaled attempt ends as not billed, else its reservation is released.</summary>
    private async ValueTask GiveBackAsync(ModelCallContext context, KeyLease lease, AttemptJournalEntry journal)
    {
        context.Lease = null;
        try
        {
            if (lease.AttemptJournaled)
            {
                _ = await operations.EndAttemptAsync(new AttemptEnding(journal.AttemptId, AttemptResult.NotBilled), CancellationToken.None).ConfigureAwait(false);
            }
            else
            {
                await tokenProvider.ReleaseAsync(lease, CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            // Nothing was sent: a reservation left behind expires and a journaled attempt is resolved by the reclaim.
            LogGiveBackFailed(logger, context.OperationId, lease.KeyId);
        }
    }

    [LoggerMessage(2312, LogLevel.Warning, "Operation {OperationId}: the store is unreachable, so the lease of key {KeyId} of a call that will not run could not be given back; it expires.")]
    private static partial void LogGiveBackFailed(ILogger logger, string operationId, string keyId);

    [LoggerMessage(2004, LogLevel.Warning, "Operation {OperationId} uses fallback key {KeyId} because the key store is unreachable")]
    private static partial void LogFallbackLease(ILogger logger, string keyId, string operationId);
}
