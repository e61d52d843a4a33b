using System.Text.Json;

namespace InvoiceOcr.Emulator;

/// <summary>What an <see cref="IEmulatorAnswerSource"/> sees of a <c>generateContent</c> request.</summary>
public sealed class EmulatorAnswerRequest
{
    /// <summary>Initializes a new instance of the <see cref="EmulatorAnswerRequest"/> class (the emulator builds these; tests of an answer source may too).</summary>
    /// <param name="model">The bare model id.</param>
    /// <param name="documents">The documents and images of the request.</param>
    /// <param name="promptText">The concatenated text parts.</param>
    /// <param name="systemInstruction">The system instruction text, if any.</param>
    /// <param name="responseMimeType">The requested response MIME type, if any.</param>
    /// <param name="responseSchema">The OpenAPI-style response schema, if any.</param>
    /// <param name="responseJsonSchema">The JSON Schema response schema, if any.</param>
    public EmulatorAnswerRequest(
        string model,
        IReadOnlyList<EmulatorDocument> documents,
        string promptText,
        string? systemInstruction,
        string? responseMimeType,
        JsonElement? responseSchema,
        JsonElement? responseJsonSchema)
    {
        Model = model;
        Documents = documents;
        PromptText = promptText;
        SystemInstruction = systemInstruction;
        ResponseMimeType = responseMimeType;
        ResponseSchema = responseSchema;
        ResponseJsonSchema = responseJsonSchema;
    }

    /// <summary>Gets the bare model id from the URL, for example <c>gemini-2.5-flash</c>.</summary>
    public string Model { get; }

    /// <summary>Gets the documents and images of the request (inline data and uploaded files), in request order.</summary>
    public IReadOnlyList<EmulatorDocument> Documents { get; }

    /// <summary>Gets the concatenated text parts of the contents.</summary>
    public string PromptText { get; }

    /// <summary>Gets the concatenated text of the system instruction, if any.</summary>
    public string? SystemInstruction { get; }

    /// <summary>Gets <c>generationConfig.responseMimeType</c>, if any.</summary>
    public string? ResponseMimeType { get; }

    /// <summary>Gets <c>generationConfig.responseSchema</c> (OpenAPI subset, upper-case types), if any.</summary>
    public JsonElement? ResponseSchema { get; }

    /// <summary>Gets <c>generationConfig.responseJsonSchema</c> (JSON Schema subset), if any.</summary>
    public JsonElement? ResponseJsonSchema { get; }
}

/// <summary>A document or image sent to the emulator.</summary>
public sealed class EmulatorDocument
{
    /// <summary>Initializes a new instance of the <see cref="EmulatorDocument"/> class.</summary>
    /// <param name="mimeType">The declared MIME type.</param>
    /// <param name="data">The raw bytes.</param>
    /// <param name="sha256">The SHA-256 of <paramref name="data"/> in lower-case hex.</param>
    public EmulatorDocument(string mimeType, ReadOnlyMemory<byte> data, string sha256)
    {
        MimeType = mimeType;
        Data = data;
        Sha256 = sha256;
    }

    /// <summary>Gets the declared MIME type, for example <c>application/pdf</c>.</summary>
    public string MimeType { get; }

    /// <summary>Gets the raw bytes.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Gets the SHA-256 of <see cref="Data"/> in lower-case hex.</summary>
    public string Sha256 { get; }

    /// <summary>
    /// Returns the files embedded in a PDF document (for example <c>factur-x.xml</c>, <c>zugferd-invoice.xml</c> or
    /// <c>xrechnung.xml</c> in hybrid e-invoices), read once and cached; empty for other documents or unreadable PDFs.
    /// </summary>
    /// <returns>The attachments in document order.</returns>
    public IReadOnlyList<EmulatorAttachment> GetAttachments() =>
        _attachments ??= string.Equals(MimeType, "application/pdf", StringComparison.OrdinalIgnoreCase)
            ? InvoiceOcr.Emulator.Answers.PdfAttachments.Read(Data)
            : [];

    private IReadOnlyList<EmulatorAttachment>? _attachments;
}

/// <summary>A file embedded in a PDF.</summary>
/// <param name="Name">The attachment's file name, for example <c>factur-x.xml</c>.</param>
/// <param name="Data">The attachment's bytes.</param>
public sealed record EmulatorAttachment(string Name, ReadOnlyMemory<byte> Data);
