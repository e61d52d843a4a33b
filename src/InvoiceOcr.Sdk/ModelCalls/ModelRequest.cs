using System.Text.Json;

namespace InvoiceOcr.Sdk;

/// <summary>
/// A general model call for <see cref="IModelCallRunner"/>: turns of text and data parts, an optional system instruction,
/// an optional answer schema or JSON mode, and generation settings. Unset settings use <see cref="GeminiOptions"/>.
/// </summary>
public sealed class ModelRequest
{
    /// <summary>Creates a request.</summary>
    /// <param name="contents">The turns, in order; at least one.</param>
    public ModelRequest(IReadOnlyList<ModelContent> contents)
    {
        ArgumentNullException.ThrowIfNull(contents);
        if (contents.Count == 0)
        {
            throw new ArgumentException("A request needs at least one turn.", nameof(contents));
        }

        Contents = contents;
    }

    /// <summary>Gets the turns, in order.</summary>
    public IReadOnlyList<ModelContent> Contents { get; }

    /// <summary>Gets the system instruction, if any.</summary>
    public string? SystemInstruction { get; init; }

    /// <summary>Gets the JSON schema the answer must follow (a JSON object), if any; sent as <c>responseJsonSchema</c>, and implies <see cref="JsonResponse"/>.</summary>
    public JsonElement? ResponseJsonSchema { get; init; }

    /// <summary>Gets a value indicating whether the answer must be JSON (<c>responseMimeType: application/json</c>).</summary>
    public bool JsonResponse { get; init; }

    /// <summary>Gets the model id; <see langword="null"/> uses <see cref="GeminiOptions.Model"/>.</summary>
    public string? Model { get; init; }

    /// <summary>Gets the output cap (thoughts count against it); <see langword="null"/> uses <see cref="GeminiOptions.MaxOutputTokens"/>.</summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary>Gets the sampling temperature; <see langword="null"/> uses <see cref="GeminiOptions.Temperature"/>.</summary>
    public double? Temperature { get; init; }

    /// <summary>Gets <c>topP</c>, if set.</summary>
    public double? TopP { get; init; }

    /// <summary>Gets <c>topK</c>, if set.</summary>
    public int? TopK { get; init; }

    /// <summary>Gets the stop sequences, if any.</summary>
    public IReadOnlyList<string>? StopSequences { get; init; }

    /// <summary>Gets the seed, if set.</summary>
    public int? Seed { get; init; }
}
