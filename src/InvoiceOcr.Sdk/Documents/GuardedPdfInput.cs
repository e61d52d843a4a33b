namespace InvoiceOcr.Sdk.Documents;

/// <summary>
/// The PDF's bytes as a read-only, seekable stream that stops working once the parse must stop: every read checks the
/// <see cref="PdfParseGuard"/> and throws after the time-out or a cancellation.
/// </summary>
/// <remarks>
/// PdfPig offers no cancellation token, but its tokenizer pulls every byte of the file through its input; a parse stuck in a
/// loop over the file (a brute-force cross-reference scan, a reference loop) therefore ends at its next read instead of holding
/// a core until it finishes on its own. The check is a volatile read per call, small next to the tokenizer's own work.
/// </remarks>
internal sealed class GuardedPdfInput : Stream
{
    private readonly ReadOnlyMemory<byte> _content;
    private readonly PdfParseGuard _guard;
    private int _position;

    /// <summary>Creates the stream.</summary>
    /// <param name="content">The PDF's bytes.</param>
    /// <param name="guard">The parse's limits.</param>
    public GuardedPdfInput(ReadOnlyMemory<byte> content, PdfParseGuard guard)
    {
        _content = content;
        _guard = guard;
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => true;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length => _content.Length;

    /// <inheritdoc />
    public override long Position
    {
        get => _position;
        set => _position = (int)Math.Clamp(value, 0, _content.Length);
    }

    /// <inheritdoc />
    public override int ReadByte()
    {
        _guard.ThrowIfStopped();
        return _position < _content.Length ? _content.Span[_position++] : -1;
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        _guard.ThrowIfStopped();
        var available = _content.Span[_position..];
        var count = Math.Min(available.Length, buffer.Length);
        available[..count].CopyTo(buffer);
        _position += count;
        return count;
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _content.Length + offset,
        };
        return _position;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override void SetLength(long value) => throw new NotSupportedException();

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
