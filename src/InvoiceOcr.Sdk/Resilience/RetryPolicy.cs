using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;

namespace InvoiceOcr.Sdk.Resilience;

/// <summary>The retry policy on Polly v8: one shared call pipeline (total timeout + retry) and one pipeline per key (circuit breaker + attempt timeout).</summary>
internal sealed class RetryPolicy : IRetryPolicy
{
    private static readonly ResiliencePropertyKey<CallState> StateKey = new("InvoiceOcr.RetryCallState");

    private readonly RetryOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ResiliencePipeline _callPipeline;
    private readonly ConcurrentDictionary<string, KeyPipeline> _keyPipelines = new(StringComparer.Ordinal);

    public RetryPolicy(IOptions<RetryOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options.Value;
        _timeProvider = timeProvider;
        _callPipeline = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddTimeout(new TimeoutStrategyOptions { Timeout = _options.TotalTimeout, Name = "InvoiceOcr.TotalTimeout" })
            .AddRetry(new RetryStrategyOptions
            {
                Name = "InvoiceOcr.Retry",
                MaxRetryAttempts = int.MaxValue,
                UseJitter = false,
                ShouldHandle = args =>
                {
                    var state = args.Context.Properties.GetValue(StateKey, null!);
                    if (args.Outcome.Exception is not { } exception || args.Context.CancellationToken.IsCancellationRequested)
                    {
                        return new ValueTask<bool>(false);
                    }

                    var decision = Classify(exception, state.BackoffRetries, state.Failovers);
                    state.Pending = decision;
                    switch (decision.Action)
                    {
                        case RetryAction.Retry:
                            state.BackoffRetries++;
                            break;
                        case RetryAction.FailOver:
                            state.Failovers++;
                            break;
                    }

                    return new ValueTask<bool>(decision.Action != RetryAction.Stop);
                },
                DelayGenerator = args => new ValueTask<TimeSpan?>(args.Context.Properties.GetValue(StateKey, null!).Pending.Delay),
                OnRetry = args =>
                {
                    var state = args.Context.Properties.GetValue(StateKey, null!);
                    return state.OnRetry is { } onRetry && args.Outcome.Exception is { } error
                        ? onRetry(new RetryNotice(state.Pending, error, state.BackoffRetries, state.Failovers), args.Context.CancellationToken)
                        : default;
                },
            })
            .Build();
    }

    public RetryDecision Classify(Exception exception, int backoffRetries, int failovers)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is not InvoiceOcrException error)
        {
            return default;
        }

        if (error is KeyCircuitOpenException || error.IsKeyFault)
        {
            return failovers < _options.MaxFailovers ? new RetryDecision(RetryAction.FailOver, TimeSpan.Zero) : default;
        }

        if (error.IsTransient && InvoiceOcrErrorKinds.IsTransient(error.Kind) && backoffRetries < _options.MaxRetryAttempts)
        {
            var delay = error.RetryAfter is { } serverDelay && serverDelay >= TimeSpan.Zero ? serverDelay : GetBackoffDelay(backoffRetries + 1);
            return new RetryDecision(RetryAction.Retry, delay);
        }

        return default;
    }

    public TimeSpan GetBackoffDelay(int retryNumber)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(retryNumber, 1);
        var max = _options.MaxDelay.TotalMilliseconds;
        var ms = Math.Min(max, _options.InitialDelay.TotalMilliseconds * Math.Pow(_options.BackoffMultiplier, retryNumber - 1));
        if (_options.UseJitter)
        {
#pragma warning disable CA5394 // Jitter needs no cryptographic randomness.
            ms *= 0.8 + (Random.Shared.NextDouble() * 0.4);
#pragma warning restore CA5394
            ms = Math.Min(max, ms);
        }

        return TimeSpan.FromMilliseconds(ms);
    }

    public async Task<T> ExecuteAsync<T>(
        Func<RetryAttemptContext, CancellationToken, ValueTask<T>> attempt,
        Func<RetryNotice, CancellationToken, ValueTask>? onRetry,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attempt);
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        var state = new CallState { OnRetry = onRetry };
        context.Properties.Set(StateKey, state);
        try
        {
            return await _callPipeline.ExecuteAsync(
                static async (ctx, a) =>
                {
                    var s = ctx.Properties.GetValue(StateKey, null!);
                    var attemptContext = new RetryAttemptContext(s.Attempt++, s.BackoffRetries, s.Failovers);
                    return await a(attemptContext, ctx.CancellationToken).ConfigureAwait(false);
                },
                context,
                attempt).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.Timeout,
                $"The model call did not complete within the total timeout of {_options.TotalTimeout.TotalSeconds:0.###} s.",
                ex)
            {
                IsTransient = false,
            };
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    public async ValueTask<T> ExecuteWithKeyAsync<T>(string keyId, Func<CancellationToken, ValueTask<T>> attempt, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        ArgumentNullException.ThrowIfNull(attempt);
        // The breaker itself refuses calls while open (BrokenCircuitException, no call made) and lets a trial call through
        // once the break has passed; a pre-check of its state would keep the key out forever, since the state only moves on a call.
        var pipeline = GetKeyPipeline(keyId);
        try
        {
            return await pipeline.Pipeline.ExecuteAsync(static (a, ct) => a(ct), attempt, cancellationToken).ConfigureAwait(false);
        }
        catch (BrokenCircuitException ex)
        {
            throw new KeyCircuitOpenException(keyId, ex);
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

    public bool IsCircuitOpen(string keyId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(keyId);
        return _keyPipelines.TryGetValue(keyId, out var pipeline) && pipeline.IsOpen;
    }

    private static bool CountsAgainstKey(Exception exception) => exception switch
    {
        TimeoutRejectedException => true,
        KeyCircuitOpenException => false,
        InvoiceOcrException e => e.Kind is InvoiceOcrErrorKind.ServerError or InvoiceOcrErrorKind.Timeout or InvoiceOcrErrorKind.NetworkFailure,
        _ => false,
    };

    private KeyPipeline GetKeyPipeline(string keyId) => _keyPipelines.GetOrAdd(keyId, static (id, self) => self.CreateKeyPipeline(id), this);

    private KeyPipeline CreateKeyPipeline(string keyId)
    {
        var stateProvider = new CircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder { TimeProvider = _timeProvider }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions
            {
                Name = "InvoiceOcr.KeyCircuitBreaker",
                FailureRatio = _options.CircuitBreakerFailureRatio,
                MinimumThroughput = _options.CircuitBreakerMinimumThroughput,
                SamplingDuration = _options.CircuitBreakerSamplingDuration,
                BreakDuration = _options.CircuitBreakerBreakDuration,
                StateProvider = stateProvider,
                ShouldHandle = args => new ValueTask<bool>(args.Outcome.Exception is { } e && CountsAgainstKey(e)),
            })
            .AddTimeout(new TimeoutStrategyOptions { Timeout = _options.AttemptTimeout, Name = "InvoiceOcr.AttemptTimeout" })
            .Build();
        return new KeyPipeline(pipeline, stateProvider);
    }

    private sealed record KeyPipeline(ResiliencePipeline Pipeline, CircuitBreakerStateProvider State)
    {
        public bool IsOpen => State.CircuitState is CircuitState.Open or CircuitState.Isolated;
    }

    private sealed class CallState
    {
        public int Attempt { get; set; }

        public int BackoffRetries { get; set; }

        public int Failovers { get; set; }

        public RetryDecision Pending { get; set; }

        public Func<RetryNotice, CancellationToken, ValueTask>? OnRetry { get; init; }
    }
}
