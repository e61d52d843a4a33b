using System.Runtime.ExceptionServices;
using InvoiceOcr.Sdk.Diagnostics;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.Retry;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// Stage 4: the retry loop, a Polly v8 retry strategy on the injected <see cref="TimeProvider"/>. Each failed attempt is
/// decided once by <see cref="IRetryPolicy"/> (a pure function) and the decision travels as the attempt's result, so the
/// strategy's callbacks only read it: they count, log and write nothing. The bookkeeping of a decision (counts, the failed
/// key's exclusion, the retry log row, the metric, the log line) happens here, once per decision.
/// </summary>
internal sealed partial class RetryStage : ModelCallStage
{
    private readonly IRetryPolicy _policy;
    private readonly IUsageLogger _usageLogger;
    private readonly InvoiceOcrMetrics _metrics;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger<RetryStage> _logger;
    private readonly ResiliencePipeline<FailedAttempt?> _loop;

    public RetryStage(IRetryPolicy policy, IUsageLogger usageLogger, InvoiceOcrMetrics metrics, TimeProvider timeProvider, ILogger<RetryStage> logger)
    {
        _policy = policy;
        _usageLogger = usageLogger;
        _metrics = metrics;
        _timeProvider = timeProvider;
        _logger = logger;
        _loop = new ResiliencePipelineBuilder<FailedAttempt?> { TimeProvider = timeProvider }
            .AddRetry(new RetryStrategyOptions<FailedAttempt?>
            {
                Name = "InvoiceOcr.Retry",
                MaxRetryAttempts = int.MaxValue,
                UseJitter = false,
                ShouldHandle = static args => new ValueTask<bool>(args.Outcome.Result is { Decision.Action: not RetryAction.Stop }),
                DelayGenerator = static args => new ValueTask<TimeSpan?>(args.Outcome.Result?.Decision.Delay ?? TimeSpan.Zero),
            })
            .Build();
    }

    public override async ValueTask InvokeAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        var failed = await _loop.ExecuteAsync(
            static (state, ct) => state.Stage.AttemptAsync(state.Context, ct),
            (Stage: this, Context: context),
            cancellationToken).ConfigureAwait(false);
        if (failed is not null)
        {
            ExceptionDispatchInfo.Throw(failed.Error);
        }
    }

    private async ValueTask<FailedAttempt?> AttemptAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        context.ResetAttempt();
        InvoiceOcrException error;
        try
        {
            await Next.InvokeAsync(context, cancellationToken).ConfigureAwait(false);
            return null;
        }
        catch (InvoiceOcrException ex) when (!cancellationToken.IsCancellationRequested)
        {
            error = ex;
        }

        if (error.Kind == InvoiceOcrErrorKind.LocalQuotaExceeded && error.RetryAfter is null && context.ExcludedKeys is { Count: > 0 } && context.LastError is { } last)
        {
            // Every remaining key already failed in this call: the last real failure says more than "no key left".
            return new FailedAttempt(last, RetryDecision.GiveUp);
        }

        var decision = _policy.Decide(new RetryFailure(error, context.Attempts, context.Retries, context.Failovers));
        var keyId = context.Lease?.KeyId ?? error.KeyId;
        var sent = context.RequestSent;
        context.LastError = error;
        context.LastKeyId = keyId;
        switch (decision.Action)
        {
            case RetryAction.Retry:
                context.Retries++;
                _metrics.Retry(error.Kind);
                break;
            case RetryAction.FailOver:
                context.Failovers++;
                context.PendingFailover = error.Kind;
                if (keyId is not null)
                {
                    context.Exclude(keyId);
                }

                break;
            default:
                return new FailedAttempt(error, decision);
        }

        LogDecision(_logger, context.OperationId, decision.Action, error.Kind, keyId, decision.Delay);
        if (sent)
        {
            await RecordRetryAsync(context, error, decision, keyId).ConfigureAwait(false);
        }

        return new FailedAttempt(error, decision);
    }

    private async ValueTask RecordRetryAsync(ModelCallContext context, InvoiceOcrException error, RetryDecision decision, string? keyId)
    {
        try
        {
            await _usageLogger.LogRetryAttemptAsync(
                new RetryAttemptRecord
                {
                    OperationId = context.OperationId,
                    AttemptNumber = context.AttemptNumber,
                    CompanyId = context.Caller.CompanyId,
                    KeyId = keyId,
                    ErrorKind = error.Kind,
                    HttpStatus = error.HttpStatus is { } status ? (int)status : null,
                    Delay = decision.Delay,
                    IsFailover = decision.Action == RetryAction.FailOver,
                    Timestamp = _timeProvider.GetUtcNow(),
                },
                CancellationToken.None).ConfigureAwait(false);
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            // The retry log is diagnostics, not billing: losing a row must not fail the call.
            LogRetryRecordFailed(_logger, context.OperationId, context.AttemptNumber);
        }
    }

    [LoggerMessage(2002, LogLevel.Information, "Operation {OperationId}: {Action} after {Kind} on key {KeyId}, waiting {Delay}")]
    private static partial void LogDecision(ILogger logger, string operationId, RetryAction action, InvoiceOcrErrorKind kind, string? keyId, TimeSpan delay);

    [LoggerMessage(2005, LogLevel.Warning, "Could not record retry attempt {AttemptNumber} of operation {OperationId}: the store is unreachable")]
    private static partial void LogRetryRecordFailed(ILogger logger, string operationId, int attemptNumber);

    /// <summary>A failed attempt and the one decision made about it, handed to the Polly strategy as the attempt's result.</summary>
    private sealed record FailedAttempt(InvoiceOcrException Error, RetryDecision Decision);
}
