namespace InvoiceOcr.Sdk;

/// <summary>The answer of a call through <see cref="IModelCallRunner"/>, with what it cost and how it was served.</summary>
public sealed record ModelResponse
{
    /// <summary>Gets the answer text: the first candidate's text parts that are not thoughts.</summary>
    public required string Text { get; init; }

    /// <summary>Gets the first candidate's finish reason as Gemini sent it (<c>STOP</c>, <c>MAX_TOKENS</c>, <c>SAFETY</c>…), if any.</summary>
    public string? FinishReason { get; init; }

    /// <summary>Gets the billed usage of the successful attempt, as recorded in the usage ledger (with the raw <c>usageMetadata</c>).</summary>
    public required TokenUsage Usage { get; init; }

    /// <summary>Gets the model id the call was sent to.</summary>
    public required string Model { get; init; }

    /// <summary>Gets the model version the service reported, if any.</summary>
    public string? ModelVersion { get; init; }

    /// <summary>Gets the service's response id, if any.</summary>
    public string? ResponseId { get; init; }

    /// <summary>Gets the id of the key that served the call.</summary>
    public string? KeyId { get; init; }

    /// <summary>Gets the operation id (the usage ledger's <see cref="UsageRecord.OperationId"/>).</summary>
    public required string OperationId { get; init; }

    /// <summary>Gets the number of requests sent to the model, retries included.</summary>
    public int Attempts { get; init; }

    /// <summary>Gets a value indicating whether the answer is the stored outcome of an earlier call with the same idempotency key (no model call).</summary>
    public bool IsReplay { get; init; }
}
