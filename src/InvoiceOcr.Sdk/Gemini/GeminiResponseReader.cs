using System.Text;
using System.Text.Json;

namespace InvoiceOcr.Sdk.Gemini;

/// <summary>Reads a <c>generateContent</c> answer body into a <see cref="GeminiGenerateResult"/>, keeping the raw usage JSON.</summary>
internal static class GeminiResponseReader
{
    /// <summary>Parses an answer body.</summary>
    /// <param name="utf8Json">The body bytes.</param>
    /// <param name="model">The model the call was sent to.</param>
    /// <returns>The result (not checked for completeness).</returns>
    /// <exception cref="JsonException">The body is not a complete JSON object.</exception>
    public static GeminiGenerateResult Read(ReadOnlySpan<byte> utf8Json, string model)
    {
        var response = JsonSerializer.Deserialize(utf8Json, GeminiJsonContext.Default.GeminiGenerateContentResponse)
            ?? throw new JsonException("The answer body is the JSON literal null.");
        var rawUsage = ExtractTopLevelProperty(utf8Json, "usageMetadata");
        return ToResult(response, rawUsage, model);
    }

    /// <summary>Builds a result from a parsed answer.</summary>
    public static GeminiGenerateResult ToResult(GeminiGenerateContentResponse response, string? rawUsageJson, string model)
    {
        ArgumentNullException.ThrowIfNull(response);
        var candidate = response.Candidates is { Count: > 0 } candidates ? candidates[0] : null;
        var blockReason = response.PromptFeedback?.BlockReason;
        if (string.IsNullOrEmpty(blockReason))
        {
            blockReason = null;
        }

        return new GeminiGenerateResult
        {
            Text = ConcatenateAnswerText(candidate),
            FinishReason = candidate?.FinishReason,
            FinishMessage = candidate?.FinishMessage,
            CandidateCount = response.Candidates?.Count ?? 0,
            BlockReason = blockReason,
            BlockReasonMessage = response.PromptFeedback?.BlockReasonMessage,
            Usage = response.UsageMetadata is { } usage ? ToTokenUsage(usage, rawUsageJson) : TokenUsage.None,
            Model = model,
            ModelVersion = response.ModelVersion,
            ResponseId = response.ResponseId,
        };
    }

    /// <summary>Maps <c>usageMetadata</c> to <see cref="TokenUsage"/>; TEXT/IMAGE/DOCUMENT come from <c>promptTokensDetails</c>.</summary>
    public static TokenUsage ToTokenUsage(GeminiUsageMetadata usage, string? rawUsageJson)
    {
        ArgumentNullException.ThrowIfNull(usage);
        return new TokenUsage
        {
            InputTokens = usage.PromptTokenCount,
            OutputTokens = usage.CandidatesTokenCount,
            TextTokens = SumModality(usage.PromptTokensDetails, "TEXT"),
            ImageTokens = SumModality(usage.PromptTokensDetails, "IMAGE"),
            DocumentTokens = SumModality(usage.PromptTokensDetails, "DOCUMENT"),
            CachedTokens = usage.CachedContentTokenCount,
            ThoughtsTokens = usage.ThoughtsTokenCount,
            ToolUseTokens = usage.ToolUsePromptTokenCount,
            TotalTokens = usage.TotalTokenCount,
            RawUsageJson = rawUsageJson,
        };
    }

    /// <summary>Returns the exact text of a top-level property's value as received, or <see langword="null"/>.</summary>
    public static string? ExtractTopLevelProperty(ReadOnlySpan<byte> utf8Json, string propertyName)
    {
        var reader = new Utf8JsonReader(utf8Json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var matches = string.Equals(reader.GetString(), propertyName, StringComparison.OrdinalIgnoreCase);
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (matches)
            {
                var end = (int)reader.BytesConsumed;
                var slice = utf8Json[start..end];
                return reader.TokenType == JsonTokenType.Null ? null : Encoding.UTF8.GetString(slice);
            }
        }

        return null;
    }

    private static string ConcatenateAnswerText(GeminiCandidate? candidate)
    {
        if (candidate?.Content?.Parts is not { Count: > 0 } parts)
        {
            return string.Empty;
        }

        var answer = parts.Where(p => p.Thought != true && p.Text is not null).Select(p => p.Text!).ToList();
        return answer.Count == 1 ? answer[0] : string.Concat(answer);
    }

    private static int SumModality(List<GeminiModalityTokenCount>? details, string modality) =>
        details?.Where(d => string.Equals(d.Modality, modality, StringComparison.OrdinalIgnoreCase)).Sum(d => d.TokenCount) ?? 0;
}
