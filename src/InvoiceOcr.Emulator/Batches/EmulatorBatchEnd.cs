namespace InvoiceOcr.Emulator;

/// <summary>How a batch that does not succeed ends (<see cref="GeminiEmulator.EndNextBatch"/>).</summary>
public enum EmulatorBatchEndState
{
    /// <summary><c>BATCH_STATE_EXPIRED</c>: the batch ran out of time (48 hours on the real service).</summary>
    Expired = 0,

    /// <summary><c>BATCH_STATE_FAILED</c>, with the operation's <c>error</c> (a <c>google.rpc.Status</c>, code 13 INTERNAL).</summary>
    Failed = 1,

    /// <summary><c>BATCH_STATE_CANCELLED</c>, as if cancelled by someone else while it ran.</summary>
    Cancelled = 2,
}

/// <summary>
/// A scripted end of the next batch created: when it comes due, its first <see cref="CompletedRequests"/> requests run (generated
/// and billed at the batch tier, like a succeeding batch's), the others never run, and the batch ends in <see cref="State"/>.
/// Google documents that an expired batch has no results to retrieve, while Vertex AI exports the rows it completed before a
/// batch ended: <see cref="ReturnCompletedResults"/> chooses which of the two the emulator serves.
/// </summary>
public sealed record EmulatorBatchEnd
{
    /// <summary>Gets the state the batch ends in.</summary>
    public EmulatorBatchEndState State { get; init; }

    /// <summary>Gets how many of the batch's requests (the first ones, in order) run and are billed before it ends.</summary>
    public int CompletedRequests { get; init; }

    /// <summary>
    /// Gets a value indicating whether the ended batch carries the results of its completed requests (<c>inlinedResponses</c>
    /// or a <c>responsesFile</c> with only those); when <see langword="false"/> it carries none, and only <c>batchStats</c> says
    /// how many requests ran.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool ReturnCompletedResults { get; init; } = true;
}
