using System.Buffers;
using System.Buffers.Text;
using System.Net;
using System.Text;
using System.Text.Json;

namespace InvoiceOcr.Sdk.Gemini;

/// <summary>
/// The JSON body of a <c>generateContent</c> request whose document travels inline. The small JSON around the
/// document is serialized once; the document is base64-encoded straight into the request stream through one pooled
/// buffer (the whole body for a small document, one write), so a 10 MB PDF costs no 13 MB string, no 13 MB byte array
/// and no copy of the document.
/// </summary>
internal sealed class GenerateContentHttpContent : HttpContent
{
    // The base64 a write carries besides the JSON around the document (64 KB): a large document goes out in such writes.
    private const int OutputChunkBytes = 64 * 1024;

    private readonly byte[] _prefix;
    private readonly byte[] _suffix;
    private readonly ReadOnlyMemory<byte> _document;

    private GenerateContentHttpContent(byte[] prefix, ReadOnlyMemory<byte> document, byte[] suffix)
    {
        _prefix = prefix;
        _document = document;
        _suffix = suffix;
        // The header's text as it is sent: a parsed System.Net.Http.Headers.MediaTypeHeaderValue (with its charset parameter) is built only
        // if a handler reads Headers.ContentType.
        Headers.TryAddWithoutValidation("Content-Type", "application/json; charset=utf-8");
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
        // Few, full writes: the JSON before the document, its base64 and the JSON after it go out in one buffer when they fit
        // (a one-page document does), since every write to a connection's stream may be a send of its own.
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes());
        try
        {
            long position = 0;
            int filled;
            while ((filled = Fill(buffer, ref position)) > 0)
            {
                await stream.WriteAsync(buffer.AsMemory(0, filled), cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    protected override void SerializeToStream(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferBytes());
        try
        {
            long position = 0;
            int filled;
            while ((filled = Fill(buffer, ref position)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                stream.Write(buffer, 0, filled);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The write buffer: the whole body when it is small, else the JSON around the document and one chunk of base64.</summary>
    private int BufferBytes()
    {
        TryComputeLength(out var total);
        return (int)Math.Min(total, (long)_prefix.Length + OutputChunkBytes + _suffix.Length);
    }

    /// <summary>
    /// Writes the body from <paramref name="position"/> on into <paramref name="buffer"/> as far as it fits (base64 in whole
    /// 4-character groups, so every position inside the document's base64 is a group boundary) and advances the position.
    /// </summary>
    /// <returns>The bytes written; 0 once the body is complete.</returns>
    private int Fill(Span<byte> buffer, ref long position)
    {
        var base64Length = Base64Length(_document.Length);
        var filled = 0;
        while (filled < buffer.Length)
        {
            var room = buffer[filled..];
            if (position < _prefix.Length)
            {
                var part = _prefix.AsSpan((int)position);
                var n = Math.Min(part.Length, room.Length);
                part[..n].CopyTo(room);
                (filled, position) = (filled + n, position + n);
            }
            else if (position < _prefix.Length + base64Length)
            {
                var offset = (int)((position - _prefix.Length) / 4 * 3);
                var take = Math.Min(room.Length / 4 * 3, _document.Length - offset);
                if (take == 0)
                {
                    break; // less than one group of room left: the next buffer goes on
                }

                var isFinal = offset + take == _document.Length;
                var status = Base64.EncodeToUtf8(_document.Span.Slice(offset, take), room, out var consumed, out var written, isFinal);
                if (status != OperationStatus.Done || consumed != take)
                {
                    throw new InvalidOperationException($"Base64 encoding stopped with {status} after {consumed} of {take} bytes.");
                }

                (filled, position) = (filled + written, position + written);
            }
            else
            {
                var part = _suffix.AsSpan((int)Math.Min(position - _prefix.Length - base64Length, _suffix.Length));
                if (part.IsEmpty)
                {
                    break;
                }

                var n = Math.Min(part.Length, room.Length);
                part[..n].CopyTo(room);
                (filled, position) = (filled + n, position + n);
            }
        }

        return filled;
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
