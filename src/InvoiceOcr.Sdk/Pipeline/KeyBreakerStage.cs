using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// Stage 7: the key's own circuit breaker and the attempt timeout (Polly v8, one pipeline per key). An open circuit sends
/// nothing and fails as <see cref="InvoiceOcrErrorKind.CircuitOpen"/> (public, so a user's retry policy can decide on it);
/// an attempt that outlives <see cref="RetryOptions.AttemptTimeout"/> fails as <see cref="InvoiceOcrErrorKind.Timeout"/>.
/// </summary>
internal sealed class KeyBreakerStage(IOptions<RetryOptions> options, TimeProvider timeProvider) : ModelCallStage
{
    private readonly RetryOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, ResiliencePipeline> _keyPipelines = new(StringComparer.Ordinal);

    public override async ValueTask InvokeAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        var keyId = context.Lease?.KeyId ?? throw new InvalidOperationException("The attempt has no lease.");
        var pipeline = _keyPipelines.GetOrAdd(keyId, static (_, self) => self.CreateKeyPipeline(), this);
        try
        {
            await pipeline.ExecuteAsync(
                static (state, ct) => state.Stage.Next.InvokeAsync(state.Context, ct),
                (Stage: this, Context: context),
                cancellationToken).ConfigureAwait(false);
        }
        catch (BrokenCircuitException ex)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.CircuitOpen,
                "The AI service failed repeatedly with this key, so it is rested for a short while. Please try again later.",
                ex)
            {
                KeyId = keyId,
                IsTransient = false,
            };
        }
        catch (TimeoutRejectedException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.Timeout,
                $"The model did not answer within the attempt timeout of {_options.AttemptTimeout.TotalSeconds:0.###} s.",
                ex)
            {
                KeyId = keyId,
            };
        }
    }

    private static bool CountsAgainstKey(Exception exception) => exception switch
    {
        TimeoutRejectedException or OperationCanceledException => true,
        InvoiceOcrException e => e.Kind is InvoiceOcrErrorKind.ServerError or InvoiceOcrErrorKind.Timeout or InvoiceOcrErrorKind.NetworkFailure,
        _ => false,
    };

    private ResiliencePipeline CreateKeyPipeline() => new ResiliencePipelineBuilder { TimeProvider = timeProvider }
        .AddCircuitBreaker(new CircuitBreakerStrategyOptions
        {
            Name = "InvoiceOcr.KeyCircuitBreaker",
            FailureRatio = _options.CircuitBreakerFailureRatio,
            MinimumThroughput = _options.CircuitBreakerMinimumThroughput,
            SamplingDuration = _options.CircuitBreakerSamplingDuration,
            BreakDuration = _options.CircuitBreakerBreakDuration,
            ShouldHandle = static args => new ValueTask<bool>(args.Outcome.Exception is { } e && CountsAgainstKey(e)),
        })
        .AddTimeout(new TimeoutStrategyOptions { Timeout = _options.AttemptTimeout, Name = "InvoiceOcr.AttemptTimeout" })
        .Build();
}
