namespace InvoiceOcr.Sdk;

/// <summary>A new item for <see cref="IInvoiceJobStore.AddItemsAsync"/>.</summary>
public sealed record NewInvoiceJobItem
{
    /// <summary>Gets the item's id.</summary>
    public required string ItemId { get; init; }

    /// <summary>Gets the document's SHA-256 (lowercase hex).</summary>
    public required string DocumentSha256 { get; init; }

    /// <summary>Gets the file name.</summary>
    public string? FileName { get; init; }

    /// <summary>Gets where the document is read from.</summary>
    public InvoiceJobDocumentSource Source { get; init; }

    /// <summary>Gets the path or URI.</summary>
    public string? Location { get; init; }

    /// <summary>Gets the bytes to store (<see cref="InvoiceJobDocumentSource.Stored"/> only).</summary>
    public ReadOnlyMemory<byte> Content { get; init; }

    /// <summary>Gets the item's durable operation id.</summary>
    public required string OperationId { get; init; }
}

/// <summary>
/// A change of one item's state for <see cref="IInvoiceJobStore.TransitionItemAsync"/>: applied only when the stored version is
/// <see cref="ExpectedVersion"/> and the table allows the move; the move is recorded in the audit trail.
/// </summary>
public sealed record InvoiceJobItemChange
{
    /// <summary>Gets the item.</summary>
    public required string ItemId { get; init; }

    /// <summary>Gets the version the caller read.</summary>
    public required long ExpectedVersion { get; init; }

    /// <summary>Gets the new state.</summary>
    public required InvoiceJobItemState To { get; init; }

    /// <summary>Gets why.</summary>
    public string? Reason { get; init; }

    /// <summary>Gets when, by the caller's clock.</summary>
    public required DateTimeOffset At { get; init; }

    /// <summary>Gets who (a worker id, or <c>api</c>).</summary>
    public string? WorkerId { get; init; }

    /// <summary>Gets the processing attempt.</summary>
    public string? AttemptId { get; init; }

    /// <summary>Gets when the item may be taken again (retrying, parked).</summary>
    public DateTimeOffset? NotBefore { get; init; }

    /// <summary>Gets whether to count a failure.</summary>
    public bool CountFailure { get; init; }

    /// <summary>Gets the failure kind to store; the stored one is cleared when the item completes.</summary>
    public InvoiceOcrErrorKind? ErrorKind { get; init; }

    /// <summary>Gets the failure message to store.</summary>
    public string? ErrorMessage { get; init; }

    /// <summary>Gets the invoice JSON to store (complete, or partial).</summary>
    public string? InvoiceJson { get; init; }

    /// <summary>Gets whether <see cref="InvoiceJson"/> is partial.</summary>
    public bool IsPartial { get; init; }

    /// <summary>Gets the billed tokens of the call that produced the result.</summary>
    public int TotalTokens { get; init; }

    /// <summary>Gets the key that served the call.</summary>
    public string? KeyId { get; init; }

    /// <summary>
    /// Gets a value indicating whether the item leaves its job's batch route for interactive calls from now on
    /// (<see cref="InvoiceJobItem.InteractiveFallback"/>); a store never clears the flag once set.
    /// </summary>
    public bool FallBackToInteractive { get; init; }

    /// <summary>Gets a new end of the lease for a move that stays <see cref="InvoiceJobItemState.Processing"/> (an item joining a Gemini batch holds it until the batch's deadline).</summary>
    public DateTimeOffset? LeaseUntil { get; init; }
}

/// <summary>What a worker asks <see cref="IInvoiceJobStore.LeaseItemsAsync"/> for.</summary>
public sealed record InvoiceJobLeaseRequest
{
    /// <summary>Gets the worker.</summary>
    public required string WorkerId { get; init; }

    /// <summary>Gets the most items to lease.</summary>
    public required int MaxItems { get; init; }

    /// <summary>Gets now, by the worker's clock.</summary>
    public required DateTimeOffset Now { get; init; }

    /// <summary>Gets until when the lease holds unless renewed.</summary>
    public required DateTimeOffset LeaseUntil { get; init; }

    /// <summary>Gets companies not to lease for (their per-minute window is full now).</summary>
    public IReadOnlyCollection<string> ExcludedCompanies { get; init; } = [];

    /// <summary>
    /// Gets whether to lease only items on the batch route (<see langword="true"/>: items of batch-mode jobs that did not fall back),
    /// only items on the interactive route (<see langword="false"/>: items of interactive jobs, and items that fell back to
    /// interactive calls, <see cref="InvoiceJobItem.InteractiveFallback"/>), or both.
    /// </summary>
    public bool? BatchMode { get; init; } = false;
}
