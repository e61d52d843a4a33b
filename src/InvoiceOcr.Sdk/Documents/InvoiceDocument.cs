using System.Globalization;
using InvoiceOcr.Sdk.Documents;

namespace InvoiceOcr.Sdk;

/// <summary>
/// An invoice document handed to the SDK: the raw bytes of a PDF or an image, plus an optional file name used only in
/// messages and records. The type is detected later from the bytes, never from the name. Create one with
/// <see cref="FromBytes(ReadOnlyMemory{byte}, string?)"/>, <see cref="FromStreamAsync"/> or <see cref="FromFileAsync(string, CancellationToken)"/>.
/// </summary>
public sealed class InvoiceDocument
{
    private const int StreamChunkBytes = 81_920;

    private InvoiceDocument(ReadOnlyMemory<byte> content, string? fileName)
    {
        Content = content;
        FileName = string.IsNullOrWhiteSpace(fileName) ? null : fileName;
    }

    /// <summary>Gets the document's bytes.</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>Gets the file name the caller gave (or the file's name for <see cref="FromFileAsync(string, CancellationToken)"/>), if any.</summary>
    public string? FileName { get; }

    /// <summary>Gets the document's length in bytes.</summary>
    public long Length => Content.Length;

    /// <summary>Creates a document over bytes already in memory. The bytes are not copied: do not change them while the document is in use.</summary>
    /// <param name="content">The document's bytes.</param>
    /// <param name="fileName">An optional file name, used in messages and records only.</param>
    /// <returns>The document.</returns>
    public static InvoiceDocument FromBytes(ReadOnlyMemory<byte> content, string? fileName = null) => new(content, fileName);

    /// <summary>Creates a document over a byte array. The array is not copied: do not change it while the document is in use.</summary>
    /// <param name="content">The document's bytes.</param>
    /// <param name="fileName">An optional file name, used in messages and records only.</param>
    /// <returns>The document.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="content"/> is <see langword="null"/>.</exception>
    public static InvoiceDocument FromBytes(byte[] content, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(content);
        return new(content, fileName);
    }

    /// <summary>
    /// Reads a document from a stream, from its current position to its end. At most <paramref name="maxBytes"/> + 1 bytes are
    /// read: a longer stream is rejected without being buffered, and a seekable stream whose remaining length is already too
    /// large is rejected without reading at all. The stream is not disposed.
    /// </summary>
    /// <param name="stream">The stream to read.</param>
    /// <param name="fileName">An optional file name, used in messages and records only.</param>
    /// <param name="maxBytes">The largest document accepted, normally <see cref="DocumentOptions.MaxFileBytes"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The document.</returns>
    /// <exception cref="InvalidDocumentException">The stream holds more than <paramref name="maxBytes"/> bytes (<see cref="DocumentRejectionReason.TooLarge"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBytes"/> is not positive or is larger than an array can hold.</exception>
    public static async Task<InvoiceDocument> FromStreamAsync(
        Stream stream,
        string? fileName = null,
        long maxBytes = DocumentOptions.DefaultMaxFileBytes,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxBytes, Array.MaxLength - 1L);
        if (!stream.CanRead)
        {
            throw new ArgumentException("The stream cannot be read.", nameof(stream));
        }

        if (stream.CanSeek)
        {
            var remaining = stream.Length - stream.Position;
            if (remaining > maxBytes)
            {
                throw TooLarge(fileName, remaining.ToString("N0", CultureInfo.InvariantCulture) + " bytes", maxBytes);
            }
        }

        var limit = (int)maxBytes + 1;
        var buffer = new byte[stream.CanSeek ? Math.Max(1, (int)Math.Min(limit, stream.Length - stream.Position)) : Math.Min(limit, StreamChunkBytes)];
        var length = 0;
        while (true)
        {
            if (length == buffer.Length)
            {
                if (length == limit)
                {
                    break;
                }

                Array.Resize(ref buffer, (int)Math.Min(limit, Math.Max(buffer.Length * 2L, StreamChunkBytes)));
            }

            var read = await stream.ReadAsync(buffer.AsMemory(length, buffer.Length - length), cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            length += read;
        }

        if (length > maxBytes)
        {
            throw TooLarge(fileName, "more than " + maxBytes.ToString("N0", CultureInfo.InvariantCulture) + " bytes", maxBytes);
        }

        return new(buffer.AsMemory(0, length), fileName);
    }

    /// <summary>Reads a document from a file, named after the file, accepting up to <see cref="DocumentOptions.DefaultMaxFileBytes"/>.</summary>
    /// <param name="path">The file's path.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The document.</returns>
    /// <exception cref="InvalidDocumentException">The file is larger than the limit (<see cref="DocumentRejectionReason.TooLarge"/>).</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static Task<InvoiceDocument> FromFileAsync(string path, CancellationToken cancellationToken = default) =>
        FromFileAsync(path, DocumentOptions.DefaultMaxFileBytes, cancellationToken);

    /// <summary>
    /// Reads a document from a file, named after the file. A file larger than <paramref name="maxBytes"/> is rejected from its
    /// length, without being read.
    /// </summary>
    /// <param name="path">The file's path.</param>
    /// <param name="maxBytes">The largest document accepted, normally <see cref="DocumentOptions.MaxFileBytes"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The document.</returns>
    /// <exception cref="InvalidDocumentException">The file is larger than <paramref name="maxBytes"/> (<see cref="DocumentRejectionReason.TooLarge"/>).</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static async Task<InvoiceDocument> FromFileAsync(string path, long maxBytes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fileName = Path.GetFileName(path);
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.Asynchronous | FileOptions.SequentialScan);
        await using (stream.ConfigureAwait(false))
        {
            return await FromStreamAsync(stream, fileName, maxBytes, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{FileName ?? "(unnamed document)"} ({Length:N0} bytes)");

    private static InvalidDocumentException TooLarge(string? fileName, string size, long maxBytes) =>
        new(
            DocumentRejectionReason.TooLarge,
            string.Create(
                CultureInfo.InvariantCulture,
                $"The document {DocumentMessages.Name(fileName)} is too large: {size}; the limit is {maxBytes:N0} bytes (DocumentOptions.MaxFileBytes)."))
        {
            FileName = fileName,
        };
}
