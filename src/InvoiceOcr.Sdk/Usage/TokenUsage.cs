namespace InvoiceOcr.Sdk;

/// <summary>
/// Token counts of one billed model call, as the service reported them in <c>usageMetadata</c>.
/// <see cref="TotalTokens"/> is prompt + output + tool-use + thoughts; cached tokens are a subset of input.
/// </summary>
public sealed record TokenUsage
{
    /// <summary>An empty usage: nothing was billed (for example an e-invoice read without a model call).</summary>
    public static TokenUsage None { get; } = new();

    /// <summary>Gets the prompt tokens (<c>promptTokenCount</c>), including cached ones.</summary>
    public int InputTokens { get; init; }

    /// <summary>Gets the output tokens, excluding thoughts (<c>candidatesTokenCount</c>).</summary>
    public int OutputTokens { get; init; }

    /// <summary>Gets the prompt tokens of the TEXT modality.</summary>
    public int TextTokens { get; init; }

    /// <summary>Gets the prompt tokens of the IMAGE modality (images, and PDF pages on Gemini 3).</summary>
    public int ImageTokens { get; init; }

    /// <summary>Gets the prompt tokens of the DOCUMENT modality (PDF pages on Gemini 2.x).</summary>
    public int DocumentTokens { get; init; }

    /// <summary>Gets the prompt tokens served from cache (<c>cachedContentTokenCount</c>), a subset of <see cref="InputTokens"/>.</summary>
    public int CachedTokens { get; init; }

    /// <summary>Gets the thinking tokens (<c>thoughtsTokenCount</c>), billed as output.</summary>
    public int ThoughtsTokens { get; init; }

    /// <summary>Gets the tool-use prompt tokens (<c>toolUsePromptTokenCount</c>).</summary>
    public int ToolUseTokens { get; init; }

    /// <summary>Gets the total the service reported (<c>totalTokenCount</c>).</summary>
    public int TotalTokens { get; init; }

    /// <summary>Gets the raw <c>usageMetadata</c> JSON exactly as received, kept for audit; <see langword="null"/> when nothing was billed.</summary>
    public string? RawUsageJson { get; init; }
}
