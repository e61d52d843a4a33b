using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk;

/// <summary>Options of the retry policy (<see cref="IRetryPolicy"/>): backoff, failover, per-key circuit breakers and timeouts.</summary>
public sealed class RetryOptions
{
    /// <summary>Gets or sets how many times a transient failure is retried with backoff. Failovers to another key are not counted.</summary>
    /// <value>The default value is 3.</value>
    [Range(0, 100)]
    public int MaxRetryAttempts { get; set; } = 3;

    /// <summary>Gets or sets the delay before the first retry.</summary>
    /// <value>The default value is 1 second.</value>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan InitialDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets the factor each further retry's delay grows by.</summary>
    /// <value>The default value is 2.</value>
    [Range(1.0, 10.0)]
    public double BackoffMultiplier { get; set; } = 2.0;

    /// <summary>Gets or sets the cap of the computed delay (a delay the server asks for is capped by <see cref="MaxServerRetryDelay"/>).</summary>
    /// <value>The default value is 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets the longest delay a server may ask for (RetryInfo) that is waited out; when the server asks for longer
    /// the call gives up at once with <see cref="InvoiceOcrException.RetryAfter"/> set, instead of holding the caller.
    /// </summary>
    /// <value>The default value is 60 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxServerRetryDelay { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets a value indicating whether computed delays are spread randomly by ±20 % so that callers do not retry in step.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool UseJitter { get; set; } = true;

    /// <summary>Gets or sets how many times one call may fail over to another key of the same company.</summary>
    /// <value>The default value is 10.</value>
    [Range(0, 1000)]
    public int MaxFailovers { get; set; } = 10;

    /// <summary>Gets or sets the timeout of one attempt (a multi-page PDF can take a while).</summary>
    /// <value>The default value is 120 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Gets or sets the timeout of the whole call, every attempt and delay included.</summary>
    /// <value>The default value is 300 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan TotalTimeout { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>Gets or sets the failure ratio over <see cref="CircuitBreakerSamplingDuration"/> that opens a key's circuit.</summary>
    /// <value>The default value is 0.5.</value>
    [Range(0.01, 1.0)]
    public double CircuitBreakerFailureRatio { get; set; } = 0.5;

    /// <summary>Gets or sets how many attempts a key must make within the sampling duration before its circuit can open.</summary>
    /// <value>The default value is 10.</value>
    [Range(2, int.MaxValue)]
    public int CircuitBreakerMinimumThroughput { get; set; } = 10;

    /// <summary>Gets or sets the window over which a key's failure ratio is measured.</summary>
    /// <value>The default value is 60 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CircuitBreakerSamplingDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets how long an open circuit keeps the key out before a trial call.</summary>
    /// <value>The default value is 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan CircuitBreakerBreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}
