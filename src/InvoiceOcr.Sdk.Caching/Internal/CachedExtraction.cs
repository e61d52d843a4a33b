using System.Text.Json.Serialization;

namespace InvoiceOcr.Sdk.Caching.Internal;

/// <summary>
/// What the cache stores for one extraction: the invoice (in the SDK's own invoice JSON) and the bookkeeping of the call that
/// paid for it. Findings are not stored: they are recomputed on a hit, under the current validation options.
/// </summary>
internal sealed record CachedExtraction
{
    public required string Invoice { get; init; }

    public required string OperationId { get; init; }

    public string? Model { get; init; }

    public string? ModelVersion { get; init; }

    public string? ResponseId { get; init; }

    public string? KeyId { get; init; }

    public int Attempts { get; init; }

    public DocumentKind DocumentKind { get; init; }

    public int? PageCount { get; init; }

    public string? DocumentSha256 { get; init; }

    public int InputTokens { get; init; }

    public int OutputTokens { get; init; }

    public int TextTokens { get; init; }

    public int ImageTokens { get; init; }

    public int DocumentTokens { get; init; }

    public int CachedTokens { get; init; }

    public int ThoughtsTokens { get; init; }

    public int ToolUseTokens { get; init; }

    public int TotalTokens { get; init; }

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

/// <summary>Source-generated JSON metadata for <see cref="CachedExtraction"/> (HybridCache's serializer for it).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(CachedExtraction))]
internal sealed partial class CachedExtractionJsonContext : JsonSerializerContext;
