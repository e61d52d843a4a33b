namespace InvoiceOcr.Sdk;

/// <summary>What to do after a failed attempt.</summary>
public enum RetryAction
{
    /// <summary>Give up and surface the failure.</summary>
    Stop = 0,

    /// <summary>Try again after a delay (a transient failure).</summary>
    Retry = 1,

    /// <summary>Try another key of the same company at once (a key fault or an open circuit).</summary>
    FailOver = 2,
}

/// <summary>The retry policy's verdict on a failure.</summary>
/// <param name="Action">What to do.</param>
/// <param name="Delay">How long to wait first.</param>
public readonly record struct RetryDecision(RetryAction Action, TimeSpan Delay);

/// <summary>The state of a call when an attempt starts.</summary>
/// <param name="Attempt">0 for the first attempt, counting retries and failovers.</param>
/// <param name="BackoffRetries">Retries after transient failures so far.</param>
/// <param name="Failovers">Failovers to another key so far.</param>
public readonly record struct RetryAttemptContext(int Attempt, int BackoffRetries, int Failovers);

/// <summary>A retry or failover about to happen.</summary>
/// <param name="Decision">The decision.</param>
/// <param name="Error">The failure that caused it.</param>
/// <param name="BackoffRetries">Retries after transient failures, including this one.</param>
/// <param name="Failovers">Failovers, including this one.</param>
public readonly record struct RetryNotice(RetryDecision Decision, Exception Error, int BackoffRetries, int Failovers);

/// <summary>
/// Retries with exponential backoff and jitter, fails over between keys, keeps one circuit breaker per key and enforces
/// per-attempt and total timeouts, on Polly v8 and the injected <see cref="TimeProvider"/>.
/// </summary>
public interface IRetryPolicy
{
    /// <summary>
    /// Classifies a failure by <see cref="InvoiceOcrErrorKind"/>: transient kinds are retried after the server's delay
    /// (<see cref="InvoiceOcrException.RetryAfter"/>) or the computed backoff; key faults and open circuits fail over at
    /// once; everything else stops.
    /// </summary>
    /// <param name="exception">The failure.</param>
    /// <param name="backoffRetries">Retries after transient failures so far.</param>
    /// <param name="failovers">Failovers so far.</param>
    /// <returns>The decision.</returns>
    RetryDecision Classify(Exception exception, int backoffRetries, int failovers);

    /// <summary>Returns the computed delay before a retry: the initial delay grown exponentially, capped, with jitter when enabled.</summary>
    /// <param name="retryNumber">1 for the first retry.</param>
    /// <returns>The delay.</returns>
    TimeSpan GetBackoffDelay(int retryNumber);

    /// <summary>Runs a logical call: attempts until one succeeds, a failure is not retryable, retries or failovers are used up, or the total timeout passes.</summary>
    /// <typeparam name="T">The result.</typeparam>
    /// <param name="attempt">One attempt; it throws to fail.</param>
    /// <param name="onRetry">Called before each retry or failover, if given.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The successful attempt's result.</returns>
    /// <exception cref="InvoiceOcrException">The last failure, or <see cref="InvoiceOcrErrorKind.Timeout"/> when the total timeout passed.</exception>
    Task<T> ExecuteAsync<T>(
        Func<RetryAttemptContext, CancellationToken, ValueTask<T>> attempt,
        Func<RetryNotice, CancellationToken, ValueTask>? onRetry,
        CancellationToken cancellationToken);

    /// <summary>Runs one attempt with a key inside that key's own circuit breaker and the per-attempt timeout.</summary>
    /// <typeparam name="T">The result.</typeparam>
    /// <param name="keyId">The key.</param>
    /// <param name="attempt">The attempt.</param>
    /// <param name="cancellationToken">Cancels the attempt.</param>
    /// <returns>The attempt's result.</returns>
    /// <exception cref="InvoiceOcrException">
    /// The attempt's failure; <see cref="InvoiceOcrErrorKind.Timeout"/> when the attempt timed out; a failure that
    /// <see cref="Classify"/> answers with <see cref="RetryAction.FailOver"/> when the key's circuit is open.
    /// </exception>
    ValueTask<T> ExecuteWithKeyAsync<T>(string keyId, Func<CancellationToken, ValueTask<T>> attempt, CancellationToken cancellationToken);

    /// <summary>Returns whether a key's circuit was open at its last call (the key is kept out of calls until its break passes).</summary>
    /// <param name="keyId">The key.</param>
    /// <returns><see langword="true"/> when the key's breaker is open or isolated.</returns>
    bool IsCircuitOpen(string keyId);
}
