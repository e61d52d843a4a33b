namespace InvoiceOcr.Sdk.Gemini;

/// <summary>
/// A <c>generateContent</c> answer with HTTP 200. The call was billed whatever its finish reason; the client
/// does not throw for a bad finish reason — <see cref="EnsureCompleted"/> does, with the billed usage attached.
/// </summary>
internal sealed class GeminiGenerateResult
{
    /// <summary>The finish reason of a complete answer.</summary>
    public const string FinishReasonStop = "STOP";

    /// <summary>The finish reason of an answer cut off at <c>maxOutputTokens</c>.</summary>
    public const string FinishReasonMaxTokens = "MAX_TOKENS";

    private static readonly HashSet<string> BlockingFinishReasons = new(StringComparer.OrdinalIgnoreCase)
    {
        "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
        "IMAGE_SAFETY", "IMAGE_PROHIBITED_CONTENT", "IMAGE_RECITATION",
    };

    /// <summary>Gets the answer text: the concatenated text parts of the first candidate that are not thoughts.</summary>
    public required string Text { get; init; }

    /// <summary>Gets the first candidate's finish reason, if any (unknown values are kept as sent).</summary>
    public string? FinishReason { get; init; }

    /// <summary>Gets the first candidate's finish message, if any.</summary>
    public string? FinishMessage { get; init; }

    /// <summary>Gets the number of candidates returned.</summary>
    public int CandidateCount { get; init; }

    /// <summary>Gets <c>promptFeedback.blockReason</c>: set when the prompt itself was blocked.</summary>
    public string? BlockReason { get; init; }

    /// <summary>Gets <c>promptFeedback.blockReasonMessage</c>, if any.</summary>
    public string? BlockReasonMessage { get; init; }

    /// <summary>Gets the billed usage (with the raw <c>usageMetadata</c> JSON); <see cref="TokenUsage.None"/> when the answer had none.</summary>
    public required TokenUsage Usage { get; init; }

    /// <summary>Gets a value indicating whether the answer carried <c>usageMetadata</c>.</summary>
    public bool HasUsage => Usage.RawUsageJson is not null;

    /// <summary>Gets the model id the call was sent to.</summary>
    public required string Model { get; init; }

    /// <summary>Gets the model version the service reported, if any.</summary>
    public string? ModelVersion { get; init; }

    /// <summary>Gets the service's response id, if any.</summary>
    public string? ResponseId { get; init; }

    /// <summary>Gets a value indicating whether the answer is complete: STOP, not blocked, with text.</summary>
    public bool IsCompleted => BlockReason is null
        && CandidateCount > 0
        && string.Equals(FinishReason, FinishReasonStop, StringComparison.OrdinalIgnoreCase)
        && !string.IsNullOrWhiteSpace(Text);

    /// <summary>Returns this result when it is complete, or throws the matching <see cref="InvoiceOcrException"/>.</summary>
    /// <returns>This result.</returns>
    /// <exception cref="InvoiceOcrException">
    /// <see cref="InvoiceOcrErrorKind.ContentBlocked"/> for a blocked prompt or a safety-type finish reason,
    /// <see cref="InvoiceOcrErrorKind.OutputTruncated"/> for MAX_TOKENS, and
    /// <see cref="InvoiceOcrErrorKind.SchemaMismatch"/> for OTHER, unknown or missing reasons, no candidates or no text;
    /// always with <see cref="InvoiceOcrException.BilledUsage"/> and <see cref="InvoiceOcrException.ResponseId"/> set.
    /// </exception>
    public GeminiGenerateResult EnsureCompleted()
    {
        if (IsCompleted)
        {
            return this;
        }

        var (kind, message) = Describe();
        throw new InvoiceOcrException(kind, message)
        {
            BilledUsage = HasUsage ? Usage : null,
            ResponseId = ResponseId,
        };
    }

    private (InvoiceOcrErrorKind Kind, string Message) Describe()
    {
        if (BlockReason is not null)
        {
            var detail = string.IsNullOrWhiteSpace(BlockReasonMessage) ? string.Empty : $" {BlockReasonMessage}";
            return (InvoiceOcrErrorKind.ContentBlocked, $"Gemini blocked the prompt (promptFeedback.blockReason {BlockReason}).{detail}");
        }

        if (CandidateCount == 0)
        {
            return (InvoiceOcrErrorKind.SchemaMismatch, "Gemini returned no candidates.");
        }

        if (string.Equals(FinishReason, FinishReasonMaxTokens, StringComparison.OrdinalIgnoreCase))
        {
            return (InvoiceOcrErrorKind.OutputTruncated,
                $"Gemini stopped at the output token limit (finishReason MAX_TOKENS) after {Usage.OutputTokens} output and {Usage.ThoughtsTokens} thinking tokens; raise Gemini:MaxOutputTokens.");
        }

        if (FinishReason is not null && BlockingFinishReasons.Contains(FinishReason))
        {
            return (InvoiceOcrErrorKind.ContentBlocked, $"Gemini blocked the answer (finishReason {FinishReason}).");
        }

        if (FinishReason is null)
        {
            return (InvoiceOcrErrorKind.SchemaMismatch, "Gemini's answer has no finish reason.");
        }

        if (!string.Equals(FinishReason, FinishReasonStop, StringComparison.OrdinalIgnoreCase))
        {
            var detail = string.IsNullOrWhiteSpace(FinishMessage) ? string.Empty : $" {FinishMessage}";
            return (InvoiceOcrErrorKind.SchemaMismatch, $"Gemini did not finish normally (finishReason {FinishReason}).{detail}");
        }

        return (InvoiceOcrErrorKind.SchemaMismatch, "Gemini finished (STOP) without any answer text.");
    }
}
