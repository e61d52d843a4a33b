using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Resilience;

/// <summary>
/// The built-in retry decision: key faults and open circuits fail over at once; transient kinds are retried after the
/// server's delay (up to <see cref="RetryOptions.MaxServerRetryDelay"/>; a longer one gives up with the server's delay in
/// the error) or the exponential backoff with jitter; everything else gives up.
/// </summary>
internal sealed class RetryPolicy(IOptions<RetryOptions> options) : IRetryPolicy
{
    private readonly RetryOptions _options = options.Value;

    public RetryDecision Decide(RetryFailure failure)
    {
        var error = failure.Error;
        ArgumentNullException.ThrowIfNull(error, nameof(failure));
        if (error.IsKeyFault)
        {
            return failure.Failovers < _options.MaxFailovers ? RetryDecision.FailOver() : RetryDecision.GiveUp;
        }

        if (!error.IsTransient || !InvoiceOcrErrorKinds.IsTransient(error.Kind) || failure.Retries >= _options.MaxRetryAttempts)
        {
            return RetryDecision.GiveUp;
        }

        if (error.RetryAfter is { } serverDelay && serverDelay >= TimeSpan.Zero)
        {
            // A server that asks for a long wait is not worth holding the caller for: give up and let the error carry the delay.
            return serverDelay <= _options.MaxServerRetryDelay ? RetryDecision.RetryAfter(serverDelay) : RetryDecision.GiveUp;
        }

        return RetryDecision.RetryAfter(GetBackoffDelay(failure.Retries + 1));
    }

    /// <summary>Returns the computed delay before a retry: the initial delay grown exponentially, capped, with ±20 % jitter when enabled.</summary>
    internal TimeSpan GetBackoffDelay(int retryNumber)
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
}
