namespace InvoiceOcr.Sdk;

/// <summary>One batch job's row: who it is for and how it is controlled. Its state is derived from its items (<see cref="InvoiceJobStatus"/>).</summary>
public sealed record InvoiceJob
{
    /// <summary>Gets the job's id.</summary>
    public required string JobId { get; init; }

    /// <summary>Gets the company whose key pool and quotas serve the job.</summary>
    public required string CompanyId { get; init; }

    /// <summary>Gets the caller's key for the job (for example <c>month-end-2026-11</c>): creating a job with a known key returns that job.</summary>
    public string? JobKey { get; init; }

    /// <summary>Gets the user who submitted the job, recorded with every call's usage.</summary>
    public string? RequestedBy { get; init; }

    /// <summary>Gets the branch the job is for, recorded with every call's usage.</summary>
    public string? Branch { get; init; }

    /// <summary>Gets a value indicating whether the job's items go to Gemini as a batch (half price, results within 24 hours).</summary>
    public bool UseBatchMode { get; init; }

    /// <summary>Gets a value indicating whether the unfinished items of a batch that fails, expires or is cancelled fall back to interactive calls.</summary>
    public bool FallbackToInteractive { get; init; }

    /// <summary>Gets the manual control (active, suspended, cancelled).</summary>
    public InvoiceJobControl Control { get; init; }

    /// <summary>Gets the row's version, raised by every change of <see cref="Control"/>.</summary>
    public long Version { get; init; }

    /// <summary>Gets when the job was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the job's control last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>One document of a job, with its state, lease and result.</summary>
public sealed record InvoiceJobItem
{
    /// <summary>Gets the item's id.</summary>
    public required string ItemId { get; init; }

    /// <summary>Gets the job.</summary>
    public required string JobId { get; init; }

    /// <summary>Gets the company.</summary>
    public required string CompanyId { get; init; }

    /// <summary>Gets the item's number in its job (1, 2, …), the order results are paged in.</summary>
    public int Sequence { get; init; }

    /// <summary>Gets the document's file name, for messages and results.</summary>
    public string? FileName { get; init; }

    /// <summary>Gets the document's SHA-256 (lowercase hex): a job holds a document once.</summary>
    public required string DocumentSha256 { get; init; }

    /// <summary>Gets where the document is read from.</summary>
    public InvoiceJobDocumentSource Source { get; init; }

    /// <summary>Gets the file path or URI of the document; <see langword="null"/> when it is stored with the item.</summary>
    public string? Location { get; init; }

    /// <summary>Gets the item's state.</summary>
    public InvoiceJobItemState State { get; init; }

    /// <summary>Gets the row's version, raised by every change; a change made from an older version fails with <see cref="InvoiceOcrErrorKind.JobVersionConflict"/>.</summary>
    public long Version { get; init; }

    /// <summary>Gets how many times a worker has leased the item.</summary>
    public int LeaseCount { get; init; }

    /// <summary>Gets how many times processing failed (transient or not) since the item was last retried by hand.</summary>
    public int FailureCount { get; init; }

    /// <summary>Gets the worker holding the lease (state <see cref="InvoiceJobItemState.Processing"/>).</summary>
    public string? LeaseOwner { get; init; }

    /// <summary>Gets when the lease lapses unless renewed; another worker may then take the item over.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>Gets when a retrying or parked item may be taken again (for a quota park: the next window, or Pacific midnight).</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>Gets the id of the durable operation that runs the item's model call (one per item, so it is never billed twice).</summary>
    public required string OperationId { get; init; }

    /// <summary>Gets the kind of the last failure, if any.</summary>
    public InvoiceOcrErrorKind? ErrorKind { get; init; }

    /// <summary>Gets the message of the last failure, if any (never contains a secret).</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>
    /// Gets the extracted invoice as the SDK's invoice JSON: the result of a completed item, or what could be read of a cut-off
    /// or schema-failing answer (<see cref="IsPartial"/>).
    /// </summary>
    public string? InvoiceJson { get; init; }

    /// <summary>Gets a value indicating whether <see cref="InvoiceJson"/> is only the part of an answer that failed.</summary>
    public bool IsPartial { get; init; }

    /// <summary>Gets the billed tokens of the call that produced the result.</summary>
    public int TotalTokens { get; init; }

    /// <summary>Gets the key (never the secret) that served the call.</summary>
    public string? KeyId { get; init; }

    /// <summary>
    /// Gets a value indicating whether the item left its batch-mode job's Gemini batch route for interactive calls (its batch
    /// failed or expired and the job allows <see cref="InvoiceJob.FallbackToInteractive"/>); it stays on the interactive route.
    /// </summary>
    public bool InteractiveFallback { get; init; }

    /// <summary>Gets when the item was added.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the item last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Reads <see cref="InvoiceJson"/> as an <see cref="Invoice"/>.</summary>
    /// <returns>The invoice, or <see langword="null"/> when the item has none.</returns>
    public Invoice? ReadInvoice() => InvoiceJson is { Length: > 0 } json ? Invoices.InvoiceJson.Deserialize(json) : null;
}

/// <summary>One recorded move of an item between states: the audit trail.</summary>
public sealed record InvoiceJobItemTransition
{
    /// <summary>Gets the item.</summary>
    public required string ItemId { get; init; }

    /// <summary>Gets the item's version after the move.</summary>
    public long Version { get; init; }

    /// <summary>Gets the state before.</summary>
    public InvoiceJobItemState From { get; init; }

    /// <summary>Gets the state after.</summary>
    public InvoiceJobItemState To { get; init; }

    /// <summary>Gets why (never contains a secret).</summary>
    public string? Reason { get; init; }

    /// <summary>Gets when, by the caller's clock.</summary>
    public DateTimeOffset At { get; init; }

    /// <summary>Gets the worker (or <c>api</c> for a manual change) that made it.</summary>
    public string? WorkerId { get; init; }

    /// <summary>Gets the item's durable operation.</summary>
    public string? OperationId { get; init; }

    /// <summary>Gets the processing attempt (<c>{item}-{lease count}</c>) the move belongs to.</summary>
    public string? AttemptId { get; init; }
}

/// <summary>One item with its transitions, as <see cref="IInvoiceJobs.GetItemAsync"/> returns it.</summary>
/// <param name="Item">The item: its state, its result or error, and any partial invoice.</param>
/// <param name="Transitions">Its transitions (the audit trail), oldest first.</param>
public sealed record InvoiceJobItemDetails(InvoiceJobItem Item, IReadOnlyList<InvoiceJobItemTransition> Transitions);

/// <summary>Item counts of a job by state.</summary>
public sealed record InvoiceJobProgress
{
    /// <summary>Gets the number of items.</summary>
    public int Total { get; init; }

    /// <summary>Gets the items waiting for a worker.</summary>
    public int Pending { get; init; }

    /// <summary>Gets the items leased now.</summary>
    public int Processing { get; init; }

    /// <summary>Gets the completed items.</summary>
    public int Completed { get; init; }

    /// <summary>Gets the items failed for good.</summary>
    public int Failed { get; init; }

    /// <summary>Gets the items waiting to retry.</summary>
    public int Retrying { get; init; }

    /// <summary>Gets the items parked until the company's quota resets.</summary>
    public int QuotaExceeded { get; init; }

    /// <summary>Gets the suspended items.</summary>
    public int Suspended { get; init; }

    /// <summary>Gets the cancelled items.</summary>
    public int Cancelled { get; init; }

    /// <summary>Gets the items that ended (completed, failed or cancelled).</summary>
    public int Finished => Completed + Failed + Cancelled;

    /// <summary>Gets the earliest time a parked item resumes, if any is parked.</summary>
    public DateTimeOffset? ResumesAt { get; init; }

    /// <summary>Gets the count of one state.</summary>
    /// <param name="state">The state.</param>
    /// <returns>The count.</returns>
    public int Count(InvoiceJobItemState state) => state switch
    {
        InvoiceJobItemState.Pending => Pending,
        InvoiceJobItemState.Processing => Processing,
        InvoiceJobItemState.Completed => Completed,
        InvoiceJobItemState.Failed => Failed,
        InvoiceJobItemState.Retrying => Retrying,
        InvoiceJobItemState.QuotaExceeded => QuotaExceeded,
        InvoiceJobItemState.Suspended => Suspended,
        InvoiceJobItemState.Cancelled => Cancelled,
        _ => 0,
    };

    /// <summary>Builds progress from counts by state.</summary>
    /// <param name="counts">The counts.</param>
    /// <param name="resumesAt">The earliest resume time of a parked item.</param>
    /// <returns>The progress.</returns>
    public static InvoiceJobProgress FromCounts(IReadOnlyDictionary<InvoiceJobItemState, int> counts, DateTimeOffset? resumesAt)
    {
        ArgumentNullException.ThrowIfNull(counts);
        int Get(InvoiceJobItemState s) => counts.TryGetValue(s, out var n) ? n : 0;
        return new InvoiceJobProgress
        {
            Total = counts.Values.Sum(),
            Pending = Get(InvoiceJobItemState.Pending),
            Processing = Get(InvoiceJobItemState.Processing),
            Completed = Get(InvoiceJobItemState.Completed),
            Failed = Get(InvoiceJobItemState.Failed),
            Retrying = Get(InvoiceJobItemState.Retrying),
            QuotaExceeded = Get(InvoiceJobItemState.QuotaExceeded),
            Suspended = Get(InvoiceJobItemState.Suspended),
            Cancelled = Get(InvoiceJobItemState.Cancelled),
            ResumesAt = resumesAt,
        };
    }
}

/// <summary>A job with its progress and derived state.</summary>
/// <param name="Job">The job's row.</param>
/// <param name="Progress">Its items by state.</param>
public sealed record InvoiceJobStatus(InvoiceJob Job, InvoiceJobProgress Progress)
{
    /// <summary>Gets the job's state, derived from its control and its items.</summary>
    public InvoiceJobState State => Derive(Job.Control, Progress);

    /// <summary>Derives a job's state.</summary>
    /// <param name="control">The job's manual control.</param>
    /// <param name="progress">Its items by state.</param>
    /// <returns>The state.</returns>
    public static InvoiceJobState Derive(InvoiceJobControl control, InvoiceJobProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        var open = progress.Total - progress.Finished;
        if (control == InvoiceJobControl.Cancelled)
        {
            return InvoiceJobState.Cancelled;
        }

        if (open == 0)
        {
            return progress.Failed == 0 ? InvoiceJobState.Completed
                : progress.Completed == 0 ? InvoiceJobState.Failed
                : InvoiceJobState.PartiallyProcessed;
        }

        if (control == InvoiceJobControl.Suspended)
        {
            return InvoiceJobState.Suspended;
        }

        if (progress.QuotaExceeded == open)
        {
            return InvoiceJobState.QuotaExceeded;
        }

        return progress.Pending == progress.Total ? InvoiceJobState.Pending : InvoiceJobState.Processing;
    }
}

/// <summary>Which items to page through.</summary>
/// <param name="JobId">The job.</param>
public sealed record InvoiceJobItemQuery(string JobId)
{
    /// <summary>Gets the state to list; every state when <see langword="null"/>.</summary>
    public InvoiceJobItemState? State { get; init; }

    /// <summary>Gets the sequence number to continue after (<see cref="InvoiceJobItemPage.NextAfter"/>); 0 starts at the first item.</summary>
    public int After { get; init; }

    /// <summary>Gets the page size (1 to 1,000).</summary>
    /// <value>The default value is 100.</value>
    public int PageSize { get; init; } = 100;
}

/// <summary>One page of items.</summary>
/// <param name="Items">The items, in sequence order.</param>
/// <param name="NextAfter">The <see cref="InvoiceJobItemQuery.After"/> of the next page; <see langword="null"/> at the end.</param>
public sealed record InvoiceJobItemPage(IReadOnlyList<InvoiceJobItem> Items, int? NextAfter);
