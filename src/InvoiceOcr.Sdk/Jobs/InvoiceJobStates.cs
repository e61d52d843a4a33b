namespace InvoiceOcr.Sdk;

/// <summary>
/// The state of one document of a batch job. The allowed moves between states are one table,
/// <see cref="InvoiceJobTransitions"/>; every store applies it, and records each move in the item's audit trail.
/// </summary>
public enum InvoiceJobItemState
{
    /// <summary>Waiting for a worker (new, resumed, released, or put back after a batch expired).</summary>
    Pending = 0,

    /// <summary>Leased by a worker, which runs its model call as one durable operation.</summary>
    Processing = 1,

    /// <summary>Extracted; the result is stored with the item. Terminal.</summary>
    Completed = 2,

    /// <summary>Failed for good (a permanent error, or transient errors beyond the attempt limit). Terminal until retried.</summary>
    Failed = 3,

    /// <summary>Failed with a transient error; taken again once <see cref="InvoiceJobItem.NotBefore"/> has passed.</summary>
    Retrying = 4,

    /// <summary>Parked because the company's quota is used up; resumes by itself at <see cref="InvoiceJobItem.NotBefore"/>.</summary>
    QuotaExceeded = 5,

    /// <summary>Held by a manual suspension of its job; resumes with the job.</summary>
    Suspended = 6,

    /// <summary>Cancelled with its job before it was processed. Terminal.</summary>
    Cancelled = 7,
}

/// <summary>The state of a batch job, derived from its items and its manual controls.</summary>
public enum InvoiceJobState
{
    /// <summary>No item has been taken yet.</summary>
    Pending = 0,

    /// <summary>Items are being processed or wait for a worker.</summary>
    Processing = 1,

    /// <summary>Every item completed.</summary>
    Completed = 2,

    /// <summary>Every item ended and every item failed.</summary>
    Failed = 3,

    /// <summary>Every item ended; some completed and some failed for good.</summary>
    PartiallyProcessed = 4,

    /// <summary>Nothing can run before the company's quota resets: every unfinished item is parked.</summary>
    QuotaExceeded = 5,

    /// <summary>Suspended by hand; nothing is taken until it is resumed.</summary>
    Suspended = 6,

    /// <summary>Cancelled by hand.</summary>
    Cancelled = 7,
}

/// <summary>The manual control of a job, stored with it.</summary>
public enum InvoiceJobControl
{
    /// <summary>Workers take its items.</summary>
    Active = 0,

    /// <summary>Suspended: no item is taken.</summary>
    Suspended = 1,

    /// <summary>Cancelled: no item is taken again.</summary>
    Cancelled = 2,
}

/// <summary>Where a job item's document is read from when it is processed.</summary>
public enum InvoiceJobDocumentSource
{
    /// <summary>A file path readable by every worker (a shared folder, or the configured blob folder).</summary>
    File = 0,

    /// <summary>An http(s) URI, downloaded by the worker.</summary>
    Uri = 1,

    /// <summary>The bytes are stored in the job store with the item.</summary>
    Stored = 2,
}
