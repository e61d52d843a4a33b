using System.Diagnostics;
using InvoiceOcr.Sdk.Documents;
using Microsoft.Extensions.Logging.Abstractions;

namespace InvoiceOcr.Sdk.Tests.Documents;

/// <summary>Hostile PDFs built in memory (decompression bombs, deep and cyclic page trees) end in a typed outcome, quickly.</summary>
public sealed class HostileInputTests
{
    private const long FourHundredMiB = 400L * 1024 * 1024;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly Lazy<byte[]> Bomb = new(() => HostilePdfs.AttachmentBomb("factur-x.xml", FourHundredMiB));

    [Fact]
    public async Task InspectAsync_AttachmentInflatingTo400MiB_RejectedAsTooLargeNamingTheOption()
    {
        var pdf = Bomb.Value;
        Assert.InRange(pdf.Length, 300_000, 500_000);
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => Inspector().InspectAsync(InvoiceDocument.FromBytes(pdf, "bomb.pdf"), Ct));

        Assert.Equal(DocumentRejectionReason.TooLarge, ex.Reason);
        Assert.Contains("'factur-x.xml' inflates to more than 33,554,432 bytes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("DocumentOptions.MaxEmbeddedXmlBytes", ex.Message, StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task InspectAsync_ModelOnlyAttachmentBomb_AttachmentNeverInflatedAndPdfAccepted()
    {
        // Nothing reads attachments in ModelOnly mode, so they are not even looked for.
        var inspected = await Inspector().InspectAsync(InvoiceDocument.FromBytes(Bomb.Value, "bomb.pdf"), readEmbeddedFiles: false, Ct);

        Assert.Equal(1, inspected.PageCount);
        Assert.Empty(inspected.EmbeddedFiles);
    }

    [Theory]
    [InlineData("factur-x.xml", true, "text#2Fxml")]
    [InlineData("invoice.dat", false, "application#2Fxml")]
    [InlineData("invoice.dat", false, null)]
    public async Task InspectAsync_AttachmentPastASmallCap_RejectedWhateverListsOrNamesIt(string name, bool viaAssociatedFiles, string? mime)
    {
        // 64 KiB of XML-looking content against a 16 KiB cap: by name, by MIME type, or by its first bytes alone.
        var pdf = HostilePdfs.AttachmentBomb(name, 64 * 1024, viaAssociatedFiles, mime);

        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => Inspector(new DocumentOptions { MaxEmbeddedXmlBytes = 16 * 1024 }).InspectAsync(InvoiceDocument.FromBytes(pdf, "x.pdf"), Ct));

        Assert.Equal(DocumentRejectionReason.TooLarge, ex.Reason);
        Assert.Contains($"'{name}' inflates to more than 16,384 bytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectAsync_AttachmentWithinTheCap_CopiedOutWhole()
    {
        var pdf = HostilePdfs.AttachmentBomb("factur-x.xml", 64 * 1024);

        var inspected = await Inspector(new DocumentOptions { MaxEmbeddedXmlBytes = 64 * 1024 }).InspectAsync(InvoiceDocument.FromBytes(pdf), Ct);

        var file = Assert.Single(inspected.EmbeddedFiles);
        Assert.Equal(64 * 1024, file.Content.Length);
    }

    [Fact]
    public void ReadPdf_AttachmentInflatingTo400MiB_RejectedAsTooLarge()
    {
        var ex = Assert.Throws<InvalidDocumentException>(() => new EInvoiceReader().ReadPdf(Bomb.Value));

        Assert.Equal(DocumentRejectionReason.TooLarge, ex.Reason);
        Assert.Contains("DocumentOptions.MaxEmbeddedXmlBytes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectAsync_ObjectStreamInflatingTo400MiB_RejectedAsDamagedBeforeInflating()
    {
        var pdf = HostilePdfs.ObjectStreamBomb(FourHundredMiB);

        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => Inspector().InspectAsync(InvoiceDocument.FromBytes(pdf, "objstm.pdf"), Ct));

        Assert.Equal(DocumentRejectionReason.Damaged, ex.Reason);
        Assert.Contains("a compressed stream inflates to more than 64 MiB", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectAsync_ObjectStreamWithinTheBudget_OpensNormally()
    {
        // The same structure, small: proves the bomb is refused for its size, not for its shape.
        var inspected = await Inspector().InspectAsync(InvoiceDocument.FromBytes(HostilePdfs.ObjectStreamBomb(64 * 1024)), Ct);

        Assert.Equal(1, inspected.PageCount);
    }

    [Fact]
    public async Task InspectAsync_CrossReferenceStreamInflatingTo400MiB_RejectedAsDamaged()
    {
        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => Inspector().InspectAsync(InvoiceDocument.FromBytes(HostilePdfs.CrossReferenceStreamBomb(FourHundredMiB), "xref.pdf"), Ct));

        Assert.Equal(DocumentRejectionReason.Damaged, ex.Reason);
        Assert.Contains("inflates to more than 64 MiB", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("[1 -100 2]")]
    [InlineData("[1 #2D100 2]")]
    [InlineData("[2147483647 2147483647 2]")]
    public async Task InspectAsync_CrossReferenceStreamWithHostileWidths_RejectedBeforePdfPigReadsIt(string widths)
    {
        // Found by the fuzz runner: negative widths made PdfPig stackalloc a negative size, a stack overflow that kills the process.
        var pdf = HostilePdfs.CrossReferenceStreamBomb(1024, widths.Replace("#2D", "-", StringComparison.Ordinal));

        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => Inspector().InspectAsync(InvoiceDocument.FromBytes(pdf, "widths.pdf"), Ct));

        Assert.Equal(DocumentRejectionReason.Damaged, ex.Reason);
        Assert.Contains("cross-reference stream widths", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FindHostileWidths_EscapedNameAndFontWidths_FindsOnlyTheHostileArray()
    {
        Assert.Null(PdfParseGuard.FindHostileWidths("<< /W [1 4 2] >> << /W [ 3 [ 250 333 ] 16 [ 250 ] ] /Width -5 >>"u8));
        Assert.Equal("/W [-3 ...]", PdfParseGuard.FindHostileWidths("<< /#57 [1 -3 2] >>"u8));
    }

    [Fact]
    public async Task ReadPdfAndInspectAsync_ZeroLengthEncryptionKey_TypedRejection()
    {
        // The fuzz runner found PdfPig's RC4 code dividing by the key length on a mutated encryption dictionary, and ReadPdf
        // letting the DivideByZeroException escape (it now maps any parser fault to Damaged). This hand-made variant ends in
        // PdfPig's password check instead; the fuzz run replays the original (seed 14, input 8840).
        var pdf = HostilePdfs.ZeroLengthEncryptionKey();

        var read = Assert.Throws<InvalidDocumentException>(() => new EInvoiceReader().ReadPdf(pdf));
        var inspected = await Assert.ThrowsAsync<InvalidDocumentException>(() => Inspector().InspectAsync(InvoiceDocument.FromBytes(pdf), Ct));

        Assert.Equal(read.Reason, inspected.Reason);
    }

    [Fact]
    public async Task InspectAsync_ShallowPageTreeChain_Accepted()
    {
        var inspected = await Inspector().InspectAsync(InvoiceDocument.FromBytes(HostilePdfs.DeepPageTree(400)), Ct);

        Assert.Equal(1, inspected.PageCount);
    }

    [Theory]
    [InlineData(513)]
    [InlineData(100_000)]
    public async Task InspectAsync_PageTreeDeeperThanTheLimit_RejectedAsDamagedQuickly(int depth)
    {
        // 100,000 nested nodes overflow PdfPig's recursive page numbering: the process would die, not just the parse.
        var pdf = HostilePdfs.DeepPageTree(depth);
        var watch = Stopwatch.StartNew();

        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => Inspector().InspectAsync(InvoiceDocument.FromBytes(pdf, "deep.pdf"), Ct));

        Assert.Equal(DocumentRejectionReason.Damaged, ex.Reason);
        Assert.Contains("its page tree has more than 512 nodes", ex.Message, StringComparison.Ordinal);
        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(2_000)]
    public async Task InspectAsync_CyclicPageTree_TypedOutcomeInBoundedTime(int cycleLength)
    {
        // PdfPig remembers the last thousand nodes it visited: a longer cycle would loop forever without reading the file.
        var watch = Stopwatch.StartNew();

        var outcome = await OutcomeAsync(HostilePdfs.CyclicPageTree(cycleLength));

        Assert.InRange(watch.Elapsed, TimeSpan.Zero, TimeSpan.FromSeconds(10));
        Assert.Matches(cycleLength > 512 ? "^rejected: Damaged$" : "^(accepted: [0-9]+ pages?|rejected: [A-Za-z]+)$", outcome);
    }

    [Fact]
    public async Task InspectAsync_PageTreeHiddenInAnObjectStream_CountedAfterDecoding()
    {
        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => Inspector().InspectAsync(InvoiceDocument.FromBytes(HostilePdfs.ObjectStreamBomb(64 * 1024, extraKidsNames: 600), "hidden.pdf"), Ct));

        Assert.Equal(DocumentRejectionReason.Damaged, ex.Reason);
        Assert.Contains("its page tree has more than 512 nodes", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void CountKidsNames_EscapedAndPlainNames_CountedAsPdfPigReadsThem()
    {
        Assert.Equal(3, PdfParseGuard.CountKidsNames("<< /Kids [1 0 R] /K#69ds [] /Kids[/Kids2 /Kid] >> /Kids"u8[..^5]));
    }

    [Fact]
    public void Read_StopSignalledBeforeTheParse_StopsAtTheFirstRead()
    {
        using var stop = new CancellationTokenSource();
        stop.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => PdfDocumentReader.Read(HostilePdfs.OnePage(), "x.pdf", new PdfReadLimits(1000, 1000, stop.Token)));
    }

    [Fact]
    public void Read_StopSignalledDuringTheParse_StopsWellBeforeTheParseWouldEnd()
    {
        // Without a cross-reference table PdfPig scans the whole file for objects; stopping it a few milliseconds in must end it soon after.
        var pdf = HostilePdfs.ManyObjectsWithoutCrossReference(300_000);
        Assert.Equal(1, PdfDocumentReader.Read(pdf, "many.pdf", new PdfReadLimits(0, 1000, CancellationToken.None)).PageCount);

        // No wall-clock comparison (timed unit tests flake on a loaded machine): a parse that ran on to the end would
        // return its page count; one that honours the stop signal throws instead.
        using var stop = new CancellationTokenSource(TimeSpan.FromMilliseconds(20));
        Assert.ThrowsAny<OperationCanceledException>(() => PdfDocumentReader.Read(pdf, "many.pdf", new PdfReadLimits(0, 1000, stop.Token)));
    }

    [Fact]
    public async Task InspectAsync_TimeoutPasses_TheAbandonedParseStopsToo()
    {
        var pdf = HostilePdfs.ManyObjectsWithoutCrossReference(300_000);
        var finished = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var options = new DocumentOptions { PdfParseTimeout = TimeSpan.FromMilliseconds(20) };
        var inspector = new DocumentInspector(() => options, TimeProvider.System, NullLogger.Instance, (content, name, limits) =>
        {
            try
            {
                var facts = PdfDocumentReader.Read(content, name, limits);
                finished.SetResult(null);
                return facts;
            }
            catch (Exception ex)
            {
                finished.SetResult(ex);
                throw;
            }
        });

        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => inspector.InspectAsync(InvoiceDocument.FromBytes(pdf, "many.pdf"), Ct));

        Assert.Equal(DocumentRejectionReason.Damaged, ex.Reason);
        Assert.Contains("DocumentOptions.PdfParseTimeout", ex.Message, StringComparison.Ordinal);
        var ended = await finished.Task.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.IsAssignableFrom<OperationCanceledException>(ended);
    }

    private static async Task<string> OutcomeAsync(byte[] pdf)
    {
        try
        {
            var inspected = await Inspector().InspectAsync(InvoiceDocument.FromBytes(pdf), Ct);
            return inspected.PageCount == 1 ? "accepted: 1 page" : $"accepted: {inspected.PageCount} pages";
        }
        catch (InvalidDocumentException ex)
        {
            return "rejected: " + ex.Reason;
        }
    }

    private static DocumentInspector Inspector(DocumentOptions? options = null)
    {
        options ??= new DocumentOptions();
        return new DocumentInspector(() => options, TimeProvider.System, NullLogger.Instance, PdfDocumentReader.Read);
    }
}
