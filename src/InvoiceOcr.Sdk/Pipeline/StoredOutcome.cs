using System.Text.Json;
using System.Text.Json.Serialization;
using InvoiceOcr.Sdk.Invoices;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>What a succeeded operation stores, so that a later call with the same idempotency key gets it back without a model call.</summary>
internal sealed record StoredOutcome
{
    /// <summary>Gets the invoice JSON of an extraction; empty for a general call.</summary>
    public string Invoice { get; init; } = string.Empty;

    /// <summary>Gets the answer text of a general call (<see cref="ModelAnswerReader.Text"/>); <see langword="null"/> for an extraction.</summary>
    public string? Text { get; init; }

    /// <summary>Gets the finish reason of a general call's answer.</summary>
    public string? FinishReason { get; init; }

    public string? Model { get; init; }

    public string? ModelVersion { get; init; }

    public string? ResponseId { get; init; }

    public string? KeyId { get; init; }

    public int Attempts { get; init; }

    public int InputTokens { get; init; }

    public int OutputTokens { get; init; }

    public int TextTokens { get; init; }

    public int ImageTokens { get; init; }

    public int DocumentTokens { get; init; }

    public int CachedTokens { get; init; }

    public int ThoughtsTokens { get; init; }

    public int ToolUseTokens { get; init; }

    public int TotalTokens { get; init; }

    /// <summary>
    /// What a call that cannot be replayed stores (<see cref="ModelCallContext.IsReplayable"/> is <see langword="false"/>): no
    /// answer. Its operation id was generated for it alone, so no later call can ask for the outcome; the usage is in the
    /// ledger rows of its attempts. Read back, it is an outcome without a result (a replay refuses it as not stored).
    /// </summary>
    public const string NotKept = "{}";

    /// <summary>
    /// The outcome to store for the call's operation: the answer (the invoice JSON, or a general call's text) with its usage,
    /// so that a later call with the same idempotency key gets it back; <see cref="NotKept"/> for a call no later call can
    /// present (serializing the invoice again per call would cost every call for a read that never comes).
    /// </summary>
    /// <param name="context">The call.</param>
    /// <param name="modelVersion">The answer's model version.</param>
    /// <param name="responseId">The answer's response id.</param>
    /// <returns>The outcome JSON.</returns>
    public static string Serialize(ModelCallContext context, string? modelVersion, string? responseId)
    {
        if (!context.IsReplayable)
        {
            return NotKept;
        }

        var usage = context.Usage;
        return JsonSerializer.Serialize(
            new StoredOutcome
            {
                Invoice = context.Invoice is { } invoice ? InvoiceJson.Serialize(invoice) : string.Empty,
                Text = context.Invoice is null ? context.Answer?.Text : null,
                FinishReason = context.Invoice is null ? context.Answer?.FinishReason : null,
                Model = context.Model,
                ModelVersion = modelVersion,
                ResponseId = responseId,
                KeyId = context.KeyId,
                Attempts = context.RequestsSent,
                InputTokens = usage.InputTokens,
                OutputTokens = usage.OutputTokens,
                TextTokens = usage.TextTokens,
                ImageTokens = usage.ImageTokens,
                DocumentTokens = usage.DocumentTokens,
                CachedTokens = usage.CachedTokens,
                ThoughtsTokens = usage.ThoughtsTokens,
                ToolUseTokens = usage.ToolUseTokens,
                TotalTokens = usage.TotalTokens,
            },
            StoredOutcomeJsonContext.Default.StoredOutcome);
    }

    public static StoredOutcome Deserialize(string json) =>
        JsonSerializer.Deserialize(json, StoredOutcomeJsonContext.Default.StoredOutcome)
        ?? throw new InvoiceOcrException(InvoiceOcrErrorKind.Unknown, "The stored outcome of the operation is empty.");

    public TokenUsage ToUsage() => new()
    {
        InputTokens = InputTokens,
        OutputTokens = OutputTokens,
        TextTokens = TextTokens,
        ImageTokens = ImageTokens,
        DocumentTokens = DocumentTokens,
        CachedTokens = CachedTokens,
        ThoughtsTokens = ThoughtsTokens,
        ToolUseTokens = ToolUseTokens,
        TotalTokens = TotalTokens,
    };
}

/// <summary>Source-generated JSON metadata for <see cref="StoredOutcome"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredOutcome))]
internal sealed partial class StoredOutcomeJsonContext : JsonSerializerContext;
