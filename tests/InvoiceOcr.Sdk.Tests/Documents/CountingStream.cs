namespace InvoiceOcr.Sdk.Tests.Documents;

/// <summary>
/// A read-only, non-seekable stream that produces <see cref="Length"/> bytes of a repeating pattern (or endlessly) and counts
/// how many bytes were taken from it, so tests can prove a reader stopped early.
/// </summary>
internal sealed class CountingStream(long? totalBytes, bool seekable = false) : Stream
{
    public long BytesRead { get; private set; }

    public int ReadCalls { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => seekable;

    public override bool CanWrite => false;

    public override long Length => seekable && totalBytes is { } total ? total : throw new NotSupportedException();

    public override long Position
    {
        get => seekable ? BytesRead : throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        ReadCalls++;
        var available = totalBytes is { } total ? (int)Math.Min(buffer.Length, total - BytesRead) : buffer.Length;
        for (var i = 0; i < available; i++)
        {
            buffer[i] = (byte)((BytesRead + i) % 251);
        }

        BytesRead += available;
        return available;
    }

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Read(buffer.Span));
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
