using InvoiceOcr.Sdk.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// Stage 5: leases a key of the company with a quota reservation for the attempt (<see cref="ITokenProvider"/>), skipping the
/// keys this call failed over from. Near a lifetime limit the lease may reserve less than the full estimate (never less than
/// the prompt plus <see cref="KeyPoolOptions.MinimumOutputTokens"/>), and the request's output cap shrinks to fit. A failover
/// is counted here, when the new lease's key really differs from the failed one.
/// </summary>
internal sealed partial class KeyLeaseStage(
    ITokenProvider tokenProvider,
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
            AttemptNumber = context.PriorAttempts + context.Attempts + 1,
            StartedAt = now,
            ExpiresAt = now + _reservationTimeToLive,
        };
        context.PendingJournal = journal;
        var lease = tokenProvider is Keys.TokenProvider builtIn
            ? await builtIn.AcquireAsync(request, journal, cancellationToken).ConfigureAwait(false)
            : await tokenProvider.AcquireAsync(request, cancellationToken).ConfigureAwait(false);
        context.Lease = lease;
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

    [LoggerMessage(2004, LogLevel.Warning, "Operation {OperationId} uses fallback key {KeyId} because the key store is unreachable")]
    private static partial void LogFallbackLease(ILogger logger, string keyId, string operationId);
}
