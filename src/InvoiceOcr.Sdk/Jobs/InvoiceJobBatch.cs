namespace InvoiceOcr.Sdk;

/// <summary>Where a Gemini batch of a batch-mode job stands in the job store.</summary>
public enum InvoiceJobBatchState
{
    /// <summary>Recorded before its submission: if its worker dies now, the next worker finds it by display name before anything is sent again.</summary>
    Submitting = 0,

    /// <summary>Accepted by Gemini (<see cref="InvoiceJobBatch.GeminiName"/> is set); polled until it ends.</summary>
    Submitted = 1,

    /// <summary>Ended and every item mapped back to its result. Terminal.</summary>
    Completed = 2,

    /// <summary>Refused, failed, cancelled, expired or lost: its items were put back. Terminal.</summary>
    Abandoned = 3,
}

/// <summary>
/// One Gemini batch of a batch-mode job: recorded with a client-chosen id (also its display name at Gemini) before it is submitted,
/// so a crash never submits it twice nor loses it. <see cref="EntriesJson"/> belongs to the worker; stores keep it as it is.
/// </summary>
public sealed record InvoiceJobBatch
{
    /// <summary>Gets the batch's id, chosen by the worker and sent as the batch's display name.</summary>
    public required string BatchId { get; init; }

    /// <summary>Gets the job.</summary>
    public required string JobId { get; init; }

    /// <summary>Gets the company.</summary>
    public required string CompanyId { get; init; }

    /// <summary>Gets the key (never the secret) the batch is submitted and polled with.</summary>
    public required string KeyId { get; init; }

    /// <summary>Gets the model.</summary>
    public required string Model { get; init; }

    /// <summary>Gets the state.</summary>
    public InvoiceJobBatchState State { get; init; }

    /// <summary>Gets Gemini's name of the batch (<c>batches/…</c>) once it was accepted.</summary>
    public string? GeminiName { get; init; }

    /// <summary>Gets Gemini's last reported state (<c>BATCH_STATE_RUNNING</c>, …) or why the batch was abandoned.</summary>
    public string? Detail { get; init; }

    /// <summary>Gets the number of items in the batch.</summary>
    public int ItemCount { get; init; }

    /// <summary>Gets the worker's record of the batch's items (item, operation, attempt, reservation), as JSON.</summary>
    public required string EntriesJson { get; init; }

    /// <summary>Gets the worker that polls the batch now.</summary>
    public string? Owner { get; init; }

    /// <summary>Gets when the owner's claim lapses; another worker may then take the batch over.</summary>
    public DateTimeOffset OwnerUntil { get; init; }

    /// <summary>Gets when the batch is polled next.</summary>
    public DateTimeOffset NextPollAt { get; init; }

    /// <summary>Gets the row's version, raised by every change.</summary>
    public long Version { get; init; }

    /// <summary>Gets when the batch was recorded.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the batch last changed.</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Gets a value indicating whether the batch is still open (submitting or submitted).</summary>
    public bool IsOpen => State is InvoiceJobBatchState.Submitting or InvoiceJobBatchState.Submitted;
}
