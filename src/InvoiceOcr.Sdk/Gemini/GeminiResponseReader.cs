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
        // One forward pass over the bytes for the answers Gemini sends; anything unusual (names in another case, numbers
        // as strings, a repeated member, malformed JSON) goes through the serializer, which has the final word.
        if (TryReadFast(utf8Json, model) is { } fast)
        {
            return fast;
        }

        var response = JsonSerializer.Deserialize(utf8Json, GeminiJsonContext.Default.GeminiGenerateContentResponse)
            ?? throw new JsonException("The answer body is the JSON literal null.");
        var rawUsage = ExtractTopLevelProperty(utf8Json, "usageMetadata");
        return ToResult(response, rawUsage, model);
    }

    /// <summary>
    /// Reads an answer in one pass with <see cref="Utf8JsonReader"/>, building only the result (no wire objects), or
    /// returns <see langword="null"/> when the body is anything but the plain shape (the caller then deserializes it).
    /// </summary>
    internal static GeminiGenerateResult? TryReadFast(ReadOnlySpan<byte> utf8Json, string model)
    {
        try
        {
            var reader = new Utf8JsonReader(utf8Json, isFinalBlock: true, state: default);
            return ReadFast(ref reader, utf8Json, model);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static GeminiGenerateResult? ReadFast(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8Json, string model)
    {
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return null;
        }

        var fast = default(FastAnswer);
        var seen = TopLevel.None;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            TopLevel member;
            if (reader.ValueTextEquals("candidates"u8))
            {
                member = TopLevel.Candidates;
            }
            else if (reader.ValueTextEquals("usageMetadata"u8))
            {
                member = TopLevel.UsageMetadata;
            }
            else if (reader.ValueTextEquals("modelVersion"u8))
            {
                member = TopLevel.ModelVersion;
            }
            else if (reader.ValueTextEquals("responseId"u8))
            {
                member = TopLevel.ResponseId;
            }
            else if (reader.ValueTextEquals("promptFeedback"u8))
            {
                member = TopLevel.PromptFeedback;
            }
            else if (IsCaseVariantOf(ref reader, "candidates", "usageMetadata", "modelVersion", "responseId", "promptFeedback"))
            {
                return null;
            }
            else
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            if ((seen & member) != 0)
            {
                return null;
            }

            seen |= member;
            reader.Read();
            var ok = member switch
            {
                TopLevel.Candidates => ReadCandidates(ref reader, ref fast),
                TopLevel.UsageMetadata => ReadUsage(ref reader, utf8Json, ref fast),
                TopLevel.ModelVersion => TryGetModelVersion(ref reader, model, out fast.ModelVersion),
                TopLevel.ResponseId => TryGetString(ref reader, out fast.ResponseId),
                _ => ReadPromptFeedback(ref reader, ref fast),
            };
            if (!ok)
            {
                return null;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
        {
            return null;
        }

        var blockReason = string.IsNullOrEmpty(fast.BlockReason) ? null : fast.BlockReason;
        return new GeminiGenerateResult
        {
            Text = fast.Text ?? string.Empty,
            FinishReason = fast.FinishReason,
            FinishMessage = fast.FinishMessage,
            CandidateCount = fast.CandidateCount,
            BlockReason = blockReason,
            BlockReasonMessage = fast.BlockReasonMessage,
            Usage = fast.Usage ?? TokenUsage.None,
            Model = model,
            ModelVersion = fast.ModelVersion,
            ResponseId = fast.ResponseId,
        };
    }

    private static bool ReadCandidates(ref Utf8JsonReader reader, ref FastAnswer fast)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                // A null element counts as a candidate without content, as the serializer reads it.
                fast.CandidateCount++;
                continue;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            if (fast.CandidateCount++ > 0)
            {
                reader.Skip();
                continue;
            }

            if (!ReadFirstCandidate(ref reader, ref fast))
            {
                return false;
            }
        }

        return true;
    }

    private static bool ReadFirstCandidate(ref Utf8JsonReader reader, ref FastAnswer fast)
    {
        var seenContent = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("content"u8))
            {
                if (seenContent)
                {
                    return false;
                }

                seenContent = true;
                reader.Read();
                if (!ReadContent(ref reader, ref fast))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("finishReason"u8))
            {
                reader.Read();
                if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("STOP"u8))
                {
                    fast.FinishReason = GeminiGenerateResult.FinishReasonStop;
                }
                else if (!TryGetString(ref reader, out fast.FinishReason))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("finishMessage"u8))
            {
                reader.Read();
                if (!TryGetString(ref reader, out fast.FinishMessage))
                {
                    return false;
                }
            }
            else if (IsCaseVariantOf(ref reader, "content", "finishReason", "finishMessage"))
            {
                return false;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool ReadContent(ref Utf8JsonReader reader, ref FastAnswer fast)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var seenParts = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("parts"u8))
            {
                if (seenParts)
                {
                    return false;
                }

                seenParts = true;
                reader.Read();
                if (!ReadParts(ref reader, ref fast))
                {
                    return false;
                }
            }
            else if (IsCaseVariantOf(ref reader, "parts"))
            {
                return false;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool ReadParts(ref Utf8JsonReader reader, ref FastAnswer fast)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        List<string>? texts = null;
        string? single = null;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                continue;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            string? text = null;
            bool? thought = null;
            var seen = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("text"u8))
                {
                    reader.Read();
                    if ((seen & 1) != 0 || !TryGetString(ref reader, out text))
                    {
                        return false;
                    }

                    seen |= 1;
                }
                else if (reader.ValueTextEquals("thought"u8))
                {
                    reader.Read();
                    if ((seen & 2) != 0)
                    {
                        return false;
                    }

                    seen |= 2;
                    switch (reader.TokenType)
                    {
                        case JsonTokenType.True:
                            thought = true;
                            break;
                        case JsonTokenType.False:
                            thought = false;
                            break;
                        case JsonTokenType.Null:
                            thought = null;
                            break;
                        default:
                            return false;
                    }
                }
                else if (IsCaseVariantOf(ref reader, "text", "thought"))
                {
                    return false;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                return false;
            }

            if (thought == true || text is null)
            {
                continue;
            }

            if (single is null && texts is null)
            {
                single = text;
            }
            else
            {
                texts ??= [single!];
                texts.Add(text);
            }
        }

        fast.Text = texts is null ? single : string.Concat(texts);
        return true;
    }

    private static bool ReadPromptFeedback(ref Utf8JsonReader reader, ref FastAnswer fast)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("blockReason"u8))
            {
                reader.Read();
                if (!TryGetString(ref reader, out fast.BlockReason))
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("blockReasonMessage"u8))
            {
                reader.Read();
                if (!TryGetString(ref reader, out fast.BlockReasonMessage))
                {
                    return false;
                }
            }
            else if (IsCaseVariantOf(ref reader, "blockReason", "blockReasonMessage"))
            {
                return false;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return reader.TokenType == JsonTokenType.EndObject;
    }

    private static bool ReadUsage(ref Utf8JsonReader reader, ReadOnlySpan<byte> utf8Json, ref FastAnswer fast)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var start = (int)reader.TokenStartIndex;
        int prompt = 0, cached = 0, candidates = 0, toolUse = 0, thoughts = 0, total = 0, text = 0, image = 0, document = 0;
        var seen = 0;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            int bit;
            if (reader.ValueTextEquals("promptTokenCount"u8))
            {
                bit = 1;
            }
            else if (reader.ValueTextEquals("candidatesTokenCount"u8))
            {
                bit = 2;
            }
            else if (reader.ValueTextEquals("totalTokenCount"u8))
            {
                bit = 4;
            }
            else if (reader.ValueTextEquals("cachedContentTokenCount"u8))
            {
                bit = 8;
            }
            else if (reader.ValueTextEquals("thoughtsTokenCount"u8))
            {
                bit = 16;
            }
            else if (reader.ValueTextEquals("toolUsePromptTokenCount"u8))
            {
                bit = 32;
            }
            else if (reader.ValueTextEquals("promptTokensDetails"u8))
            {
                bit = 64;
            }
            else if (IsCaseVariantOf(ref reader, "promptTokenCount", "candidatesTokenCount", "totalTokenCount", "cachedContentTokenCount", "thoughtsTokenCount", "toolUsePromptTokenCount", "promptTokensDetails"))
            {
                return false;
            }
            else
            {
                reader.Read();
                reader.Skip();
                continue;
            }

            if ((seen & bit) != 0)
            {
                return false;
            }

            seen |= bit;
            reader.Read();
            if (bit == 64)
            {
                if (!ReadModalities(ref reader, ref text, ref image, ref document))
                {
                    return false;
                }

                continue;
            }

            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var value))
            {
                return false;
            }

            switch (bit)
            {
                case 1: prompt = value; break;
                case 2: candidates = value; break;
                case 4: total = value; break;
                case 8: cached = value; break;
                case 16: thoughts = value; break;
                default: toolUse = value; break;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject)
        {
            return false;
        }

        var end = (int)reader.BytesConsumed;
        fast.Usage = new TokenUsage
        {
            InputTokens = prompt,
            OutputTokens = candidates,
            TextTokens = text,
            ImageTokens = image,
            DocumentTokens = document,
            CachedTokens = cached,
            ThoughtsTokens = thoughts,
            ToolUseTokens = toolUse,
            TotalTokens = total,
            RawUsageJson = Encoding.UTF8.GetString(utf8Json[start..end]),
        };
        return true;
    }

    private static bool ReadModalities(ref Utf8JsonReader reader, ref int text, ref int image, ref int document)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.Null)
            {
                // The serializer keeps a null element, and summing it would fail: let it decide.
                return false;
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            var modality = Modality.Other;
            var count = 0;
            var seen = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("modality"u8))
                {
                    reader.Read();
                    if ((seen & 1) != 0)
                    {
                        return false;
                    }

                    seen |= 1;
                    if (reader.TokenType == JsonTokenType.String)
                    {
                        modality = reader.ValueTextEquals("TEXT"u8) ? Modality.Text
                            : reader.ValueTextEquals("IMAGE"u8) ? Modality.Image
                            : reader.ValueTextEquals("DOCUMENT"u8) ? Modality.Document
                            : ModalityOf(reader.GetString()!);
                    }
                    else if (reader.TokenType != JsonTokenType.Null)
                    {
                        return false;
                    }
                }
                else if (reader.ValueTextEquals("tokenCount"u8))
                {
                    reader.Read();
                    if ((seen & 2) != 0 || reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out count))
                    {
                        return false;
                    }

                    seen |= 2;
                }
                else if (IsCaseVariantOf(ref reader, "modality", "tokenCount"))
                {
                    return false;
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject)
            {
                return false;
            }

            // Sums as the serializer path does (checked: an overflow there throws, so here it falls back too).
            switch (modality)
            {
                case Modality.Text: text = checked(text + count); break;
                case Modality.Image: image = checked(image + count); break;
                case Modality.Document: document = checked(document + count); break;
            }
        }

        return true;
    }

    private static Modality ModalityOf(string modality) =>
        string.Equals(modality, "TEXT", StringComparison.OrdinalIgnoreCase) ? Modality.Text
        : string.Equals(modality, "IMAGE", StringComparison.OrdinalIgnoreCase) ? Modality.Image
        : string.Equals(modality, "DOCUMENT", StringComparison.OrdinalIgnoreCase) ? Modality.Document
        : Modality.Other;

    /// <summary>The answer's model version: the request's model string itself when they match (the usual answer), so no copy is made per call.</summary>
    private static bool TryGetModelVersion(ref Utf8JsonReader reader, string model, out string? value)
    {
        if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals(model))
        {
            value = model;
            return true;
        }

        return TryGetString(ref reader, out value);
    }

    private static bool TryGetString(ref Utf8JsonReader reader, out string? value)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                value = reader.GetString();
                return true;
            case JsonTokenType.Null:
                value = null;
                return true;
            default:
                value = null;
                return false;
        }
    }

    /// <summary>Returns whether the current property name is a known member spelled in another case (the serializer reads those too).</summary>
    private static bool IsCaseVariantOf(ref Utf8JsonReader reader, params ReadOnlySpan<string> names)
    {
        if (reader.ValueIsEscaped)
        {
            return true;
        }

        var length = reader.HasValueSequence ? (int)reader.ValueSequence.Length : reader.ValueSpan.Length;
        foreach (var name in names)
        {
            if (name.Length == length && string.Equals(reader.GetString(), name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
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

    [Flags]
    private enum TopLevel
    {
        None = 0,
        Candidates = 1,
        UsageMetadata = 2,
        ModelVersion = 4,
        ResponseId = 8,
        PromptFeedback = 16,
    }

    private enum Modality
    {
        Other,
        Text,
        Image,
        Document,
    }

    /// <summary>What the one-pass reader collects before building the result.</summary>
    private struct FastAnswer
    {
        public string? Text;
        public string? FinishReason;
        public string? FinishMessage;
        public int CandidateCount;
        public string? BlockReason;
        public string? BlockReasonMessage;
        public TokenUsage? Usage;
        public string? ModelVersion;
        public string? ResponseId;
    }
}
