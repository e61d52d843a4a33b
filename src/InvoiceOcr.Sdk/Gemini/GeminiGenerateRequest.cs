using System.Text.Json.Nodes;

namespace InvoiceOcr.Sdk.Gemini;

/// <summary>One extraction call: the document, the versioned instructions and the schema the answer must follow.</summary>
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

    /// <summary>Gets the document bytes.</summary>
    public ReadOnlyMemory<byte> Document { get; }

    /// <summary>Gets the document's MIME type.</summary>
    public string MimeType { get; }

    /// <summary>Gets the system instruction text.</summary>
    public string SystemInstruction { get; }

    /// <summary>Gets the prompt text.</summary>
    public string Prompt { get; }

    /// <summary>Gets the answer's JSON schema. It must not be changed once the request is created: the client serializes it once and reuses the JSON for later requests with the same schema object.</summary>
    public JsonObject ResponseJsonSchema { get; }

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
}
