using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace InvoiceOcr.Sdk.Gemini;

// Wire DTOs of the Gemini REST API (v1beta, proto3 JSON). Enums stay strings so values the SDK does not
// know yet (new finish reasons, modalities) are kept rather than failing the parse. Unknown members are ignored.

/// <summary><c>GenerateContentRequest</c>.</summary>
internal sealed class GeminiGenerateContentRequest
{
    public GeminiContent? SystemInstruction { get; set; }

    public List<GeminiContent> Contents { get; set; } = [];

    public GeminiGenerationConfig? GenerationConfig { get; set; }

    public List<GeminiSafetySetting>? SafetySettings { get; set; }
}

/// <summary><c>Content</c>: a role and its parts.</summary>
internal sealed class GeminiContent
{
    public string? Role { get; set; }

    public List<GeminiPart>? Parts { get; set; }
}

/// <summary><c>Part</c>: one of text, inline data or file data, possibly marked as a thought.</summary>
internal sealed class GeminiPart
{
    public string? Text { get; set; }

    public GeminiInlineData? InlineData { get; set; }

    public GeminiFileData? FileData { get; set; }

    public bool? Thought { get; set; }

    public string? ThoughtSignature { get; set; }
}

/// <summary><c>Blob</c>: bytes sent inline as standard base64.</summary>
internal sealed class GeminiInlineData
{
    public string? MimeType { get; set; }

    public string? Data { get; set; }
}

/// <summary><c>FileData</c>: a reference to a Files API upload.</summary>
internal sealed class GeminiFileData
{
    public string? MimeType { get; set; }

    public string? FileUri { get; set; }
}

/// <summary><c>GenerationConfig</c> (the fields the SDK and the recorded requests use).</summary>
internal sealed class GeminiGenerationConfig
{
    public double? Temperature { get; set; }

    public double? TopP { get; set; }

    public int? TopK { get; set; }

    public int? CandidateCount { get; set; }

    public int? MaxOutputTokens { get; set; }

    public List<string>? StopSequences { get; set; }

    public int? Seed { get; set; }

    public string? ResponseMimeType { get; set; }

    public JsonNode? ResponseSchema { get; set; }

    public JsonNode? ResponseJsonSchema { get; set; }

    public List<string>? ResponseModalities { get; set; }

    public GeminiThinkingConfig? ThinkingConfig { get; set; }
}

/// <summary><c>ThinkingConfig</c>.</summary>
internal sealed class GeminiThinkingConfig
{
    public int? ThinkingBudget { get; set; }
}

/// <summary><c>SafetySetting</c>.</summary>
internal sealed class GeminiSafetySetting
{
    public string? Category { get; set; }

    public string? Threshold { get; set; }
}

/// <summary><c>GenerateContentResponse</c>.</summary>
internal sealed class GeminiGenerateContentResponse
{
    public List<GeminiCandidate>? Candidates { get; set; }

    public GeminiPromptFeedback? PromptFeedback { get; set; }

    public GeminiUsageMetadata? UsageMetadata { get; set; }

    public string? ModelVersion { get; set; }

    public string? ResponseId { get; set; }
}

/// <summary><c>Candidate</c>.</summary>
internal sealed class GeminiCandidate
{
    public GeminiContent? Content { get; set; }

    public string? FinishReason { get; set; }

    public string? FinishMessage { get; set; }

    public int? Index { get; set; }

    public List<GeminiSafetyRating>? SafetyRatings { get; set; }

    public double? AvgLogprobs { get; set; }

    public int? TokenCount { get; set; }
}

/// <summary><c>SafetyRating</c>.</summary>
internal sealed class GeminiSafetyRating
{
    public string? Category { get; set; }

    public string? Probability { get; set; }

    public bool? Blocked { get; set; }
}

/// <summary><c>PromptFeedback</c>: set when the prompt itself was blocked (then there are no candidates).</summary>
internal sealed class GeminiPromptFeedback
{
    public string? BlockReason { get; set; }

    public string? BlockReasonMessage { get; set; }

    public List<GeminiSafetyRating>? SafetyRatings { get; set; }
}

/// <summary><c>UsageMetadata</c>, every field the service has been seen to send.</summary>
internal sealed class GeminiUsageMetadata
{
    public int PromptTokenCount { get; set; }

    public int CachedContentTokenCount { get; set; }

    public int CandidatesTokenCount { get; set; }

    public int ToolUsePromptTokenCount { get; set; }

    public int ThoughtsTokenCount { get; set; }

    public int TotalTokenCount { get; set; }

    public List<GeminiModalityTokenCount>? PromptTokensDetails { get; set; }

    public List<GeminiModalityTokenCount>? CacheTokensDetails { get; set; }

    public List<GeminiModalityTokenCount>? CandidatesTokensDetails { get; set; }

    public List<GeminiModalityTokenCount>? ToolUsePromptTokensDetails { get; set; }

    public string? ServiceTier { get; set; }

    public int? RawPromptTokenCount { get; set; }
}

/// <summary><c>ModalityTokenCount</c>; modality is TEXT, IMAGE, VIDEO, AUDIO, DOCUMENT or a newer value.</summary>
internal sealed class GeminiModalityTokenCount
{
    public string? Modality { get; set; }

    public int TokenCount { get; set; }
}

/// <summary><c>CountTokensResponse</c>.</summary>
internal sealed class GeminiCountTokensResponse
{
    public int TotalTokens { get; set; }

    public int CachedContentTokenCount { get; set; }

    public List<GeminiModalityTokenCount>? PromptTokensDetails { get; set; }

    public List<GeminiModalityTokenCount>? CacheTokensDetails { get; set; }
}

/// <summary>The Files API <c>File</c> resource.</summary>
internal sealed class GeminiFile
{
    public string? Name { get; set; }

    public string? DisplayName { get; set; }

    public string? MimeType { get; set; }

    public long? SizeBytes { get; set; }

    public DateTimeOffset? CreateTime { get; set; }

    public DateTimeOffset? UpdateTime { get; set; }

    public DateTimeOffset? ExpirationTime { get; set; }

    public string? Sha256Hash { get; set; }

    public string? Uri { get; set; }

    public string? State { get; set; }

    public string? Source { get; set; }

    public GoogleRpcStatus? Error { get; set; }
}

/// <summary><c>{"file": File}</c>: the upload start body and the finalize answer.</summary>
internal sealed class GeminiFileEnvelope
{
    public GeminiFile? File { get; set; }
}

/// <summary>The answer of <c>files:register</c>.</summary>
internal sealed class GeminiRegisterFilesResponse
{
    public List<GeminiFile>? Files { get; set; }
}

/// <summary>The error envelope <c>{"error": google.rpc.Status}</c>.</summary>
internal sealed class GoogleErrorEnvelope
{
    public GoogleRpcStatus? Error { get; set; }
}

/// <summary>Source-generated serialization for every Gemini wire type: camelCase out, case-insensitive in, nulls omitted.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    PropertyNameCaseInsensitive = true,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.AllowReadingFromString,
    AllowOutOfOrderMetadataProperties = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(GeminiGenerateContentRequest))]
[JsonSerializable(typeof(GeminiGenerateContentResponse))]
[JsonSerializable(typeof(List<GeminiGenerateContentResponse>))]
[JsonSerializable(typeof(GeminiUsageMetadata))]
[JsonSerializable(typeof(GeminiCountTokensResponse))]
[JsonSerializable(typeof(GeminiFile))]
[JsonSerializable(typeof(GeminiFileEnvelope))]
[JsonSerializable(typeof(GeminiRegisterFilesResponse))]
[JsonSerializable(typeof(GoogleErrorEnvelope))]
[JsonSerializable(typeof(List<GoogleErrorEnvelope>))]
internal sealed partial class GeminiJsonContext : JsonSerializerContext
{
}
