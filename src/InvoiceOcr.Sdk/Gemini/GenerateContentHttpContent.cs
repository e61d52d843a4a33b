using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace InvoiceOcr.Sdk.Gemini;

/// <summary>
/// The JSON body of a <c>generateContent</c> request whose document travels inline. The small JSON around the
/// document is serialized once; the document is base64-encoded straight into the request stream in pooled
/// chunks, so a 10 MB PDF costs no 13 MB string, no 13 MB byte array and no copy of the document.
/// </summary>
internal sealed class GenerateContentHttpContent : HttpContent
{
    // Input chunk: a multiple of 3 so every chunk but the last encodes without padding.
    private const int InputChunkBytes = 3 * 16 * 1024;
    private const int OutputChunkBytes = InputChunkBytes / 3 * 4;

    private readonly byte[] _prefix;
    private readonly byte[] _suffix;
    private readonly ReadOnlyMemory<byte> _document;

    private GenerateContentHttpContent(byte[] prefix, ReadOnlyMemory<byte> document, byte[] suffix)
    {
        _prefix = prefix;
        _document = document;
        _suffix = suffix;
        Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
    }

    /// <summary>Creates the body: <paramref name="request"/> with its single <c>inlineData</c> part's data taken from <paramref name="document"/>.</summary>
    /// <param name="request">The request; exactly one part must hold <c>inlineData</c> whose <c>data</c> is <see langword="null"/>.</param>
    /// <param name="document">The document bytes. Not copied; must stay unchanged until the request is sent.</param>
    public static GenerateContentHttpContent Create(GeminiGenerateContentRequest request, ReadOnlyMemory<byte> document) =>
        Create(CreateTemplate(request), document);

    /// <summary>Creates the body from a template serialized earlier: only the document differs between calls.</summary>
    /// <param name="template">The JSON around the document (shared, not copied).</param>
    /// <param name="document">The document bytes. Not copied; must stay unchanged until the request is sent.</param>
    public static GenerateContentHttpContent Create(Template template, ReadOnlyMemory<byte> document)
    {
        ArgumentNullException.ThrowIfNull(template);
        return new GenerateContentHttpContent(template.Prefix, document, template.Suffix);
    }

    /// <summary>Serializes <paramref name="request"/> once and cuts the JSON around its single <c>inlineData</c> part's data.</summary>
    /// <param name="request">The request; exactly one part must hold <c>inlineData</c> whose <c>data</c> is <see langword="null"/>.</param>
    /// <returns>The JSON before and after the document's base64, reusable for any document.</returns>
    public static Template CreateTemplate(GeminiGenerateContentRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        GeminiInlineData? inline = null;
        var count = 0;
        foreach (var content in request.Contents)
        {
            foreach (var part in content.Parts ?? [])
            {
                if (part.InlineData is { } data)
                {
                    inline = data;
                    count++;
                }
            }
        }

        if (count != 1 || inline!.Data is not null)
        {
            throw new ArgumentException("The request must have exactly one inlineData part with no data yet.", nameof(request));
        }

        // Serialize with a unique placeholder in place of the data, then cut the JSON around it.
        var marker = "invoiceocr-document-" + Guid.NewGuid().ToString("N");
        inline.Data = marker;
        byte[] json;
        try
        {
            json = JsonSerializer.SerializeToUtf8Bytes(request, GeminiJsonContext.Default.GeminiGenerateContentRequest);
        }
        finally
        {
            inline.Data = null;
        }

        var markerBytes = Encoding.UTF8.GetBytes(marker);
        var at = json.AsSpan().IndexOf(markerBytes);
        if (at < 0 || json.AsSpan(at + markerBytes.Length).IndexOf(markerBytes) >= 0)
        {
            throw new InvalidOperationException("The document placeholder was not found exactly once in the serialized request.");
        }

        return new Template(json[..at], json[(at + markerBytes.Length)..]);
    }

    /// <summary>Returns the length of the standard base64 encoding of <paramref name="byteCount"/> bytes.</summary>
    public static long Base64Length(long byteCount) => (byteCount + 2) / 3 * 4;

    protected override bool TryComputeLength(out long length)
    {
        length = _prefix.Length + Base64Length(_document.Length) + _suffix.Length;
        return true;
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
        SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        await stream.WriteAsync(_prefix, cancellationToken).ConfigureAwait(false);
        var buffer = ArrayPool<byte>.Shared.Rent(OutputChunkBytes);
        try
        {
            for (var offset = 0; offset < _document.Length;)
            {
                var written = EncodeChunk(_document.Span, ref offset, buffer);
                await stream.WriteAsync(buffer.AsMemory(0, written), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        await stream.WriteAsync(_suffix, cancellationToken).ConfigureAwait(false);
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(_prefix);
        var buffer = ArrayPool<byte>.Shared.Rent(OutputChunkBytes);
        try
        {
            for (var offset = 0; offset < _document.Length;)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var written = EncodeChunk(_document.Span, ref offset, buffer);
                stream.Write(buffer, 0, written);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        stream.Write(_suffix);
    }

    private static int EncodeChunk(ReadOnlySpan<byte> document, ref int offset, byte[] buffer)
    {
        var take = Math.Min(InputChunkBytes, document.Length - offset);
        var isFinal = offset + take == document.Length;
        var status = Base64.EncodeToUtf8(document.Slice(offset, take), buffer, out var consumed, out var written, isFinal);
        if (status != OperationStatus.Done || consumed != take)
        {
            throw new InvalidOperationException($"Base64 encoding stopped with {status} after {consumed} of {take} bytes.");
        }

        offset += take;
        return written;
    }

    /// <summary>The serialized JSON of a request around its document's base64; immutable, shared by every body built from it.</summary>
    internal sealed class Template
    {
        internal Template(byte[] prefix, byte[] suffix)
        {
            Prefix = prefix;
            Suffix = suffix;
        }

        /// <summary>Gets the JSON up to and including the opening quote of <c>inlineData.data</c>. Never changed.</summary>
        public byte[] Prefix { get; }

        /// <summary>Gets the JSON from the closing quote of <c>inlineData.data</c> to the end. Never changed.</summary>
        public byte[] Suffix { get; }
    }
}
