using System.Text.Json.Nodes;
using InvoiceOcr.Emulator.Caching;

namespace InvoiceOcr.Emulator.Hosting;

/// <summary>A validated <c>GenerateContentRequest</c> with its documents resolved and its prompt tokens counted.</summary>
internal sealed class ParsedRequest
{
    public required IReadOnlyList<EmulatorDocument> Documents { get; init; }

    public required string PromptText { get; init; }

    public string? SystemInstruction { get; init; }

    public string? ResponseMimeType { get; init; }

    public JsonNode? ResponseSchema { get; init; }

    public JsonNode? ResponseJsonSchema { get; init; }

    public int? MaxOutputTokens { get; init; }

    public bool HasSafetySettings { get; init; }

    /// <summary>Prompt tokens by modality, TEXT first, then in order of first appearance.</summary>
    public required IReadOnlyList<(string Modality, int Tokens)> PromptDetails { get; init; }

    /// <summary>Tokens of the response schema (TEXT, included in <see cref="PromptTokens"/>).</summary>
    public int SchemaTokens { get; init; }

    public int PromptTokens => PromptDetails.Sum(d => d.Tokens);

    /// <summary>The cacheable prefix in order: system instruction, response schema, then each content part.</summary>
    public IReadOnlyList<PromptSegment> Segments { get; init; } = [];

    /// <summary><c>thinkingConfig.thinkingBudget</c>: null or -1 = the model's default, 0 = no thinking, N = at most N thought tokens.</summary>
    public int? ThinkingBudget { get; init; }

    /// <summary><c>thinkingConfig.includeThoughts</c>: answer with a thought-summary part and a thought signature.</summary>
    public bool IncludeThoughts { get; init; }
}
