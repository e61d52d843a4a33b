namespace InvoiceOcr.Sdk;

/// <summary>What to do after a failed attempt.</summary>
public enum RetryAction
{
    /// <summary>Give up and surface the failure.</summary>
    Stop = 0,

    /// <summary>Try again after a delay (a transient failure).</summary>
    Retry = 1,

    /// <summary>Try another key of the same company (a key fault or an open circuit); the failed key is not leased again in this call.</summary>
    FailOver = 2,
}

/// <summary>The retry policy's verdict on a failure.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Delay">How long to wait first.</param>
public readonly record struct RetryDecision(RetryAction Action, TimeSpan Delay)
{
    /// <summary>Gets the decision to give up.</summary>
    public static RetryDecision GiveUp => default;

    /// <summary>Returns a decision to retry after a delay.</summary>
    /// <param name="delay">The delay.</param>
    /// <returns>The decision.</returns>
    public static RetryDecision RetryAfter(TimeSpan delay) => new(RetryAction.Retry, delay);

    /// <summary>Returns a decision to fail over to another key, after an optional delay.</summary>
    /// <param name="delay">The delay (usually none).</param>
    /// <returns>The decision.</returns>
    public static RetryDecision FailOver(TimeSpan delay = default) => new(RetryAction.FailOver, delay);
}

/// <summary>A failed attempt, as the retry policy sees it.</summary>
/// <param name="Error">The failure. Every failure the pipeline hands over is an <see cref="InvoiceOcrException"/> of the public taxonomy (an open circuit is <see cref="InvoiceOcrErrorKind.CircuitOpen"/>).</param>
/// <param name="Attempt">1 for the first attempt of the call, counting every attempt (retries and failovers).</param>
/// <param name="Retries">Retries after transient failures so far, not counting this one.</param>
/// <param name="Failovers">Failovers to another key so far, not counting this one.</param>
public readonly record struct RetryFailure(InvoiceOcrException Error, int Attempt, int Retries, int Failovers);

/// <summary>
/// The retry decision of the model-call pipeline: a pure function from a failure and the call's counts to retry after a delay,
/// fail over to another key, or give up. It has no side effects and does not wait; the pipeline's retry stage (a Polly v8
/// retry strategy on the injected <see cref="TimeProvider"/>) waits and loops. Replace it through DI to change the rules; the
/// built-in one is the table in docs/architecture.md.
/// </summary>
public interface IRetryPolicy
{
    /// <summary>Decides what to do after a failed attempt.</summary>
    /// <param name="failure">The failure and the call's counts.</param>
    /// <returns>The decision.</returns>
    RetryDecision Decide(RetryFailure failure);
}
