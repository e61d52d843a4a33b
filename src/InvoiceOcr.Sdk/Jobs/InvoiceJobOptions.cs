using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk;

/// <summary>Options of batch jobs and their worker (<c>AddInvoiceOcr(...).AddJobs(...)</c>), validated when the host starts.</summary>
public sealed class InvoiceJobOptions
{
    /// <summary>Gets or sets a value indicating whether this instance runs a worker (a hosted service) that processes items.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool RunWorker { get; set; } = true;

    /// <summary>Gets or sets this worker's id, recorded in leases and transitions; a unique id per process when <see langword="null"/>.</summary>
    public string? WorkerId { get; set; }

    /// <summary>Gets or sets how many items this worker processes at once.</summary>
    /// <value>The default value is 4.</value>
    [Range(1, 256)]
    public int Concurrency { get; set; } = 4;

    /// <summary>Gets or sets how long a lease holds without a heartbeat; a dead worker's items are taken over after it.</summary>
    /// <value>The default value is 5 minutes.</value>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan VisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Gets or sets how often a worker renews the leases it holds; shorter than <see cref="VisibilityTimeout"/>.</summary>
    /// <value>The default value is 1 minute.</value>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Gets or sets how long an idle worker waits before looking for work again.</summary>
    /// <value>The default value is 1 second.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets or sets how many times an item is processed before a transient failure counts as final.</summary>
    /// <value>The default value is 5.</value>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Gets or sets the delay before a transiently failed item is tried again (doubled per failure, up to 32 times).</summary>
    /// <value>The default value is 30 seconds.</value>
    [Range(typeof(TimeSpan), "00:00:00", "1.00:00:00")]
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets a folder (shared by every worker) that streams added to a job are copied into, as <c>{sha256}.bin</c>;
    /// when <see langword="null"/> their bytes are stored in the job store.
    /// </summary>
    public string? BlobFolder { get; set; }

    /// <summary>Gets or sets the largest document accepted when it is added.</summary>
    /// <value>The default value is 50 MiB.</value>
    [Range(1, int.MaxValue - 1)]
    public long MaxDocumentBytes { get; set; } = 50L * 1024 * 1024;

    /// <summary>Gets or sets the most items a batch-mode job sends in one Gemini batch (one batch per job and key per round).</summary>
    /// <value>The default value is 500.</value>
    [Range(1, 50_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>Gets or sets how often a submitted Gemini batch is polled.</summary>
    /// <value>The default value is 1 minute.</value>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan BatchPollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Gets or sets how long a batch's items, operations and attempts are held for it: Gemini answers a batch within 24 hours and
    /// expires it after 48; past this the items' leases lapse and they are taken again.
    /// </summary>
    /// <value>The default value is 49 hours.</value>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan BatchMaxWait { get; set; } = TimeSpan.FromHours(49);

    /// <summary>Gets or sets the largest batch sent inline in its request; a larger one goes as a JSONL file through the Files API.</summary>
    /// <value>The default value is 20 MB (Gemini's inline limit).</value>
    [Range(1, 20L * 1024 * 1024)]
    public long BatchInlineLimitBytes { get; set; } = 20L * 1024 * 1024;
}
