using System.Text.Json.Nodes;

namespace InvoiceOcr.Sdk.Gemini;

/// <summary>
/// One model call. Two shapes: a document call (the extractor's: one document, the versioned instructions and the schema the
/// answer must follow; large documents go through the Files API) and a general call (<see cref="Contents"/>: turns of text and
/// inline data parts, an optional system instruction, schema or JSON mode and generation settings; what
/// <see cref="IModelCallRunner"/> sends).
/// </summary>
internal sealed class GeminiGenerateRequest
{
    /// <summary>Creates a request.</summary>
    /// <param name="document">The document bytes (already validated by intake). Not copied.</param>
    /// <param name="mimeType">The detected MIME type, for example <c>application/pdf</c>.</param>
    /// <param name="systemInstruction">The versioned system instruction.</param>
    /// <param name="prompt">The user prompt, sent after the document.</param>
    /// <param name="responseJsonSchema">The JSON schema of the answer, sent as <c>generationConfig.responseJsonSchema</c>; not to be changed afterwards.</param>
    public GeminiGenerateRequest(ReadOnlyMemory<byte> document, string mimeType, string systemInstruction, string prompt, JsonObject responseJsonSchema)
    {
        if (document.IsEmpty)
        {
            throw new ArgumentException("The document has no bytes.", nameof(document));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(mimeType);
        ArgumentException.ThrowIfNullOrWhiteSpace(systemInstruction);
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        ArgumentNullException.ThrowIfNull(responseJsonSchema);
        Document = document;
        MimeType = mimeType;
        SystemInstruction = systemInstruction;
        Prompt = prompt;
        ResponseJsonSchema = responseJsonSchema;
    }

    /// <summary>Creates a general request.</summary>
    /// <param name="contents">The turns, in order; at least one.</param>
    /// <param name="systemInstruction">The system instruction, if any.</param>
    /// <param name="responseJsonSchema">The JSON schema of the answer, if any (sent as <c>generationConfig.responseJsonSchema</c>).</param>
    public GeminiGenerateRequest(IReadOnlyList<ModelContent> contents, string? systemInstruction, JsonObject? responseJsonSchema)
    {
        ArgumentNullException.ThrowIfNull(contents);
        if (contents.Count == 0)
        {
            throw new ArgumentException("The request has no contents.", nameof(contents));
        }

        Contents = contents;
        MimeType = string.Empty;
        Prompt = string.Empty;
        SystemInstruction = string.IsNullOrEmpty(systemInstruction) ? null : systemInstruction;
        ResponseJsonSchema = responseJsonSchema;
    }

    private GeminiGenerateRequest(GeminiGenerateRequest template)
    {
        Document = template.Document;
        MimeType = template.MimeType;
        SystemInstruction = template.SystemInstruction;
        Prompt = template.Prompt;
        ResponseJsonSchema = template.ResponseJsonSchema;
        Contents = template.Contents;
        DisplayName = template.DisplayName;
        Model = template.Model;
        MaxOutputTokens = template.MaxOutputTokens;
        AttemptId = template.AttemptId;
        JsonResponse = template.JsonResponse;
        Temperature = template.Temperature;
        TopP = template.TopP;
        TopK = template.TopK;
        StopSequences = template.StopSequences;
        Seed = template.Seed;
    }

    /// <summary>Gets the turns of a general request; <see langword="null"/> for a document call.</summary>
    public IReadOnlyList<ModelContent>? Contents { get; }

    /// <summary>Gets the document bytes (empty for a general request).</summary>
    public ReadOnlyMemory<byte> Document { get; }

    /// <summary>Gets the document's MIME type (empty for a general request).</summary>
    public string MimeType { get; }

    /// <summary>Gets the system instruction text (always set for a document call).</summary>
    public string? SystemInstruction { get; }

    /// <summary>Gets the prompt text (empty for a general request).</summary>
    public string Prompt { get; }

    /// <summary>Gets the answer's JSON schema. It must not be changed once the request is created: the client serializes it once and reuses the JSON for later requests with the same schema object.</summary>
    public JsonObject? ResponseJsonSchema { get; }

    /// <summary>Gets the display name given to a Files API upload (never sent for inline data).</summary>
    public string? DisplayName { get; init; }

    /// <summary>Gets a model id that overrides <see cref="GeminiOptions.Model"/> for this call.</summary>
    public string? Model { get; init; }

    /// <summary>
    /// Gets the output cap of this request, below <see cref="GeminiOptions.MaxOutputTokens"/> when the key's lifetime limit
    /// leaves less room; <see langword="null"/> uses the option.
    /// </summary>
    public int? MaxOutputTokens { get; init; }

    /// <summary>Gets the id of the journaled attempt this request is, passed to the client's handlers (<see cref="GeminiClient.AttemptIdOption"/>).</summary>
    public string? AttemptId { get; init; }

    /// <summary>Gets a value indicating whether the answer must be JSON (<c>responseMimeType: application/json</c>); a document call and a schema always are.</summary>
    public bool JsonResponse { get; init; }

    /// <summary>Gets the sampling temperature of a general request; <see langword="null"/> uses <see cref="GeminiOptions.Temperature"/>.</summary>
    public double? Temperature { get; init; }

    /// <summary>Gets <c>topP</c> of a general request, if set.</summary>
    public double? TopP { get; init; }

    /// <summary>Gets <c>topK</c> of a general request, if set.</summary>
    public int? TopK { get; init; }

    /// <summary>Gets the stop sequences of a general request, if any.</summary>
    public IReadOnlyList<string>? StopSequences { get; init; }

    /// <summary>Gets the seed of a general request, if set.</summary>
    public int? Seed { get; init; }

    /// <summary>Returns a copy for one attempt: its output cap (<see langword="null"/> keeps this request's) and its journaled id.</summary>
    /// <param name="maxOutputTokens">The attempt's output cap, or <see langword="null"/>.</param>
    /// <param name="attemptId">The attempt's id.</param>
    /// <returns>The copy.</returns>
    public GeminiGenerateRequest ForAttempt(int? maxOutputTokens, string? attemptId) => new(this)
    {
        MaxOutputTokens = maxOutputTokens ?? MaxOutputTokens,
        AttemptId = attemptId,
    };
}
