using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Sdk.Tests.Documents;

public sealed class InvoiceDocumentTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public void FromBytes_Array_KeepsBytesAndName()
    {
        byte[] bytes = [1, 2, 3];

        var document = InvoiceDocument.FromBytes(bytes, "scan.png");

        Assert.Equal(bytes, document.Content.ToArray());
        Assert.Equal(3, document.Length);
        Assert.Equal("scan.png", document.FileName);
        Assert.Equal("scan.png (3 bytes)", document.ToString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void FromBytes_BlankName_HasNoName(string? fileName)
    {
        var document = InvoiceDocument.FromBytes(new ReadOnlyMemory<byte>([1]), fileName);

        Assert.Null(document.FileName);
        Assert.Equal("(unnamed document) (1 bytes)", document.ToString());
    }

    [Fact]
    public void FromBytes_NullArray_Throws()
    {
        Assert.Throws<ArgumentNullException>(() => InvoiceDocument.FromBytes((byte[])null!));
    }

    [Fact]
    public async Task FromStreamAsync_EndlessStream_RejectedAfterReadingAtMostLimitPlusOne()
    {
        const long limit = 1_000_000;
        var stream = new CountingStream(totalBytes: null);

        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => InvoiceDocument.FromStreamAsync(stream, "huge.pdf", limit, Ct));

        Assert.Equal(DocumentRejectionReason.TooLarge, ex.Reason);
        Assert.Equal(limit + 1, stream.BytesRead);
        Assert.Equal("huge.pdf", ex.FileName);
        Assert.Contains("'huge.pdf'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("1,000,000 bytes (DocumentOptions.MaxFileBytes)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FromStreamAsync_SeekableStreamOverLimit_RejectedWithoutReading()
    {
        var stream = new CountingStream(totalBytes: 10_001, seekable: true);

        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => InvoiceDocument.FromStreamAsync(stream, null, 10_000, Ct));

        Assert.Equal(DocumentRejectionReason.TooLarge, ex.Reason);
        Assert.Equal(0, stream.BytesRead);
        Assert.Contains("10,001 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("(unnamed)", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task FromStreamAsync_ExactlyAtLimit_Accepted(bool seekable)
    {
        var stream = new CountingStream(totalBytes: 200_000, seekable);

        var document = await InvoiceDocument.FromStreamAsync(stream, "a.pdf", 200_000, Ct);

        Assert.Equal(200_000, document.Length);
        Assert.Equal(Enumerable.Range(0, 200_000).Select(i => (byte)(i % 251)), document.Content.ToArray());
    }

    [Fact]
    public async Task FromStreamAsync_OneByteOverLimit_Rejected()
    {
        var stream = new CountingStream(totalBytes: 200_001);

        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => InvoiceDocument.FromStreamAsync(stream, "a.pdf", 200_000, Ct));

        Assert.Equal(DocumentRejectionReason.TooLarge, ex.Reason);
        Assert.Equal(200_001, stream.BytesRead);
    }

    [Fact]
    public async Task FromStreamAsync_EmptyStream_GivesEmptyDocumentForIntakeToReject()
    {
        var document = await InvoiceDocument.FromStreamAsync(new MemoryStream(), "empty.pdf", cancellationToken: Ct);

        Assert.Equal(0, document.Length);
    }

    [Fact]
    public async Task FromStreamAsync_PositionedStream_ReadsFromThePositionOn()
    {
        var stream = new MemoryStream([9, 9, 1, 2, 3]) { Position = 2 };

        var document = await InvoiceDocument.FromStreamAsync(stream, cancellationToken: Ct);

        Assert.Equal([1, 2, 3], document.Content.ToArray());
    }

    [Fact]
    public async Task FromStreamAsync_SeekableStreamWithinLimit_IsNotDisposed()
    {
        var stream = new MemoryStream([1, 2, 3]);

        _ = await InvoiceDocument.FromStreamAsync(stream, cancellationToken: Ct);

        Assert.True(stream.CanRead);
    }

    [Fact]
    public async Task FromStreamAsync_Canceled_Throws()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => InvoiceDocument.FromStreamAsync(new CountingStream(100), cancellationToken: cts.Token));
    }

    [Fact]
    public async Task FromStreamAsync_BadArguments_Throw()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => InvoiceDocument.FromStreamAsync(null!, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => InvoiceDocument.FromStreamAsync(new MemoryStream(), maxBytes: 0, cancellationToken: Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => InvoiceDocument.FromStreamAsync(new MemoryStream(), maxBytes: long.MaxValue, cancellationToken: Ct));
    }

    [Fact]
    public async Task FromFileAsync_CorpusFile_ReadsBytesAndNamesDocumentAfterFile()
    {
        var path = SharedData.Invoice("invoice2data/oyo.pdf");

        var document = await InvoiceDocument.FromFileAsync(path, Ct);

        Assert.Equal("oyo.pdf", document.FileName);
        Assert.Equal(File.ReadAllBytes(path), document.Content.ToArray());
    }

    [Fact]
    public async Task FromFileAsync_FileOverLimit_RejectedFromItsLength()
    {
        var path = SharedData.Invoice("edge/GHOSTSCRIPT-700125-1.pdf");

        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => InvoiceDocument.FromFileAsync(path, 1_000_000, Ct));

        Assert.Equal(DocumentRejectionReason.TooLarge, ex.Reason);
        Assert.Equal("GHOSTSCRIPT-700125-1.pdf", ex.FileName);
        Assert.Contains("1,500,515 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task FromFileAsync_MissingFile_ThrowsFileNotFound()
    {
        var path = Path.Combine(Path.GetTempPath(), "invoiceocr-missing-" + Guid.NewGuid().ToString("N") + ".pdf");

        await Assert.ThrowsAsync<FileNotFoundException>(() => InvoiceDocument.FromFileAsync(path, Ct));
    }
}
