namespace InvoiceOcr.Sdk;

/// <summary>One part of a turn: text, or data sent inline with its MIME type (an image, a PDF, a text file).</summary>
public sealed class ModelPart
{
    private ModelPart(string? text, ReadOnlyMemory<byte> data, string? mimeType)
    {
        Text = text;
        Data = data;
        MimeType = mimeType;
    }

    /// <summary>Gets the text of a text part; <see langword="null"/> for a data part.</summary>
    public string? Text { get; }

    /// <summary>Gets the bytes of a data part (empty for a text part). Not copied: they must not change until the call returns.</summary>
    public ReadOnlyMemory<byte> Data { get; }

    /// <summary>Gets the MIME type of a data part, for example <c>image/png</c>; <see langword="null"/> for a text part.</summary>
    public string? MimeType { get; }

    /// <summary>Creates a text part.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The part.</returns>
    public static ModelPart FromText(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new ModelPart(text, ReadOnlyMemory<byte>.Empty, null);
    }

    /// <summary>Creates a data part, sent inline (base64) in the request.</summary>
    /// <param name="data">The bytes; at least one. Not copied.</param>
    /// <param name="mimeType">Their MIME type, for example <c>application/pdf</c>.</param>
    /// <returns>The part.</returns>
    public static ModelPart FromData(ReadOnlyMemory<byte> data, string mimeType)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(mimeType);
        if (data.IsEmpty)
        {
            throw new ArgumentException("A data part needs at least one byte.", nameof(data));
        }

        return new ModelPart(null, data, mimeType);
    }
}
