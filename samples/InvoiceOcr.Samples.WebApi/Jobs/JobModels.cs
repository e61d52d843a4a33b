using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.WebApi.Jobs;

/// <summary>A job with its derived state and progress, as the job endpoints return it.</summary>
/// <param name="JobId">The job's id.</param>
/// <param name="CompanyId">The company whose keys and quotas serve it.</param>
/// <param name="JobKey">The caller's key for the job, if any.</param>
/// <param name="RequestedBy">The user who submitted it.</param>
/// <param name="Branch">The branch it is for.</param>
/// <param name="UseBatchMode">Whether it goes to Gemini as a batch.</param>
/// <param name="FallbackToInteractive">Whether a batch of it that fails or expires runs its unfinished items as interactive calls.</param>
/// <param name="State">The job's state, derived from its control and its items.</param>
/// <param name="Control">The manual control (Active, Suspended, Cancelled).</param>
/// <param name="Progress">Its items by state.</param>
/// <param name="PercentDone">Finished items as a percentage of all items (0 to 100).</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="UpdatedAt">When its control last changed.</param>
public sealed record JobResponse(
    string JobId,
    string CompanyId,
    string? JobKey,
    string? RequestedBy,
    string? Branch,
    bool UseBatchMode,
    bool FallbackToInteractive,
    InvoiceJobState State,
    InvoiceJobControl Control,
    InvoiceJobProgress Progress,
    int PercentDone,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Maps an SDK status.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The response.</returns>
    public static JobResponse From(InvoiceJobStatus status)
    {
        ArgumentNullException.ThrowIfNull(status);
        var job = status.Job;
        var progress = status.Progress;
        var percent = progress.Total == 0 ? 0 : (int)Math.Floor(100.0 * progress.Finished / progress.Total);
        return new JobResponse(
            job.JobId, job.CompanyId, job.JobKey, job.RequestedBy, job.Branch, job.UseBatchMode, job.FallbackToInteractive, status.State, job.Control, progress, percent, job.CreatedAt, job.UpdatedAt);
    }
}

/// <summary>What <c>POST /jobs</c> did: the job and how many documents were added or already held.</summary>
/// <param name="Job">The job.</param>
/// <param name="Added">Documents added now.</param>
/// <param name="Skipped">Documents the job already held (same content), so nothing was added twice.</param>
public sealed record JobSubmitResponse(JobResponse Job, int Added, int Skipped);

/// <summary>One item of a job: its document, state, result (the invoice JSON) or last error. No key secret, ever.</summary>
/// <param name="ItemId">The item's id.</param>
/// <param name="Sequence">Its number in the job; pages continue after it.</param>
/// <param name="FileName">The document's file name.</param>
/// <param name="DocumentSha256">The document's SHA-256.</param>
/// <param name="State">The item's state.</param>
/// <param name="Version">The row's version.</param>
/// <param name="LeaseCount">How often a worker took it.</param>
/// <param name="FailureCount">How often processing failed since it was last retried.</param>
/// <param name="NotBefore">When a retrying or parked item is taken again.</param>
/// <param name="OperationId">The durable operation of its model call.</param>
/// <param name="ErrorKind">The kind of the last failure.</param>
/// <param name="ErrorMessage">The last failure's message.</param>
/// <param name="Invoice">The extracted invoice (the SDK's invoice JSON), or what could be read of a failed answer.</param>
/// <param name="IsPartial">Whether <paramref name="Invoice"/> is only part of a failed answer.</param>
/// <param name="TotalTokens">Billed tokens of the call that produced the result.</param>
/// <param name="InteractiveFallback">Whether it left its job's Gemini batch (failed or expired) for interactive calls.</param>
/// <param name="UpdatedAt">When it last changed.</param>
public sealed record JobItemResponse(
    string ItemId,
    int Sequence,
    string? FileName,
    string DocumentSha256,
    InvoiceJobItemState State,
    long Version,
    int LeaseCount,
    int FailureCount,
    DateTimeOffset? NotBefore,
    string OperationId,
    InvoiceOcrErrorKind? ErrorKind,
    string? ErrorMessage,
    System.Text.Json.JsonElement? Invoice,
    bool IsPartial,
    int TotalTokens,
    bool InteractiveFallback,
    DateTimeOffset UpdatedAt)
{
    /// <summary>Maps an SDK item; the key id is left out, as <c>/extract</c> leaves it out.</summary>
    /// <param name="item">The item.</param>
    /// <returns>The response.</returns>
    public static JobItemResponse From(InvoiceJobItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        System.Text.Json.JsonElement? invoice = null;
        if (item.InvoiceJson is { Length: > 0 } json)
        {
            using var document = System.Text.Json.JsonDocument.Parse(json);
            invoice = document.RootElement.Clone();
        }

        return new JobItemResponse(
            item.ItemId, item.Sequence, item.FileName, item.DocumentSha256, item.State, item.Version, item.LeaseCount, item.FailureCount,
            item.NotBefore, item.OperationId, item.ErrorKind, item.ErrorMessage, invoice, item.IsPartial, item.TotalTokens, item.InteractiveFallback, item.UpdatedAt);
    }
}

/// <summary>One item whole, as <c>GET /jobs/{jobId}/items/{itemId}</c> returns it.</summary>
/// <param name="Item">The item: its state, its result or error, and any partial invoice.</param>
/// <param name="Transitions">Its transitions, oldest first.</param>
public sealed record JobItemDetailsResponse(JobItemResponse Item, IReadOnlyList<InvoiceJobItemTransition> Transitions);

/// <summary>One page of a job's items.</summary>
/// <param name="Items">The items, in sequence order.</param>
/// <param name="NextAfter">The <c>after</c> of the next page; <see langword="null"/> at the end.</param>
public sealed record JobItemPageResponse(IReadOnlyList<JobItemResponse> Items, int? NextAfter);

/// <summary>What <c>POST /jobs/{id}/retry</c> did.</summary>
/// <param name="Job">The job after the retry.</param>
/// <param name="Retried">How many failed items went back to Pending.</param>
public sealed record JobRetryResponse(JobResponse Job, int Retried);
