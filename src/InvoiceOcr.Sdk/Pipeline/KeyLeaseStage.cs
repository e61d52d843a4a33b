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
    ILogger<KeyLeaseStage> logger) : ModelCallStage
{
    private readonly int _minimumOutputTokens = options.Value.MinimumOutputTokens;

    public override async ValueTask InvokeAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        var request = new KeyLeaseRequest(context.Caller.CompanyId, context.Model, context.EstimatedTokens)
        {
            ExcludedKeyIds = context.ExcludedKeys ?? [],
            MinimumTokens = context.PromptTokens + Math.Min(_minimumOutputTokens, context.MaxOutputTokens),
        };
        var lease = await tokenProvider.AcquireAsync(request, cancellationToken).ConfigureAwait(false);
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
