using System.Security.Cryptography;
using System.Text;
using CsCheck;
using InvoiceOcr.Sdk.Documents;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.Tests.Documents;

public sealed class DocumentInspectorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InspectAsync_EmptyBytes_RejectedAsEmpty()
    {
        var ex = await RejectAsync([], "empty.pdf");

        Assert.Equal(DocumentRejectionReason.Empty, ex.Reason);
        Assert.Equal("The document 'empty.pdf' was rejected: the document is empty (0 bytes).", ex.Message);
    }

    [Fact]
    public async Task InspectAsync_OneByte_RejectedAsUnsupportedType()
    {
        var ex = await RejectAsync([0x25], "one.pdf");

        Assert.Equal(DocumentRejectionReason.UnsupportedType, ex.Reason);
        Assert.Contains("0x25", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectAsync_TextFileNamedPdf_RejectedAsUnsupportedType()
    {
        var ex = await RejectAsync(Encoding.UTF8.GetBytes("Invoice 42\nTotal: 10.00 EUR\n"), "invoice.pdf");

        Assert.Equal(DocumentRejectionReason.UnsupportedType, ex.Reason);
        Assert.Equal(
            "The document 'invoice.pdf' was rejected: the content is not a PDF, PNG, JPEG, WEBP, HEIC or HEIF file (it starts with 0x496E766F69636520...). The type is detected from the bytes, not the file name.",
            ex.Message);
    }

    [Fact]
    public async Task InspectAsync_PdfNamedTxt_AcceptedAsPdf()
    {
        var inspected = await Inspector().InspectAsync(InvoiceDocument.FromBytes(SharedData.ReadInvoice("invoice2data/oyo.pdf"), "notes.txt"), Ct);

        Assert.Equal(DocumentKind.Pdf, inspected.Kind);
        Assert.Equal("application/pdf", inspected.MimeType);
    }

    [Fact]
    public async Task InspectAsync_RandomBytes_RejectedAsUnsupportedType()
    {
        var bytes = new byte[4096];
        new Random(20261123).NextBytes(bytes);
        bytes[0] = 0x00; // keep clear of every signature

        var ex = await RejectAsync(bytes, "noise.bin");

        Assert.Equal(DocumentRejectionReason.UnsupportedType, ex.Reason);
    }

    [Fact]
    public async Task InspectAsync_PngHeaderTruncated_RejectedAsDamagedImage()
    {
        var png = SharedData.ReadInvoice("invoice2data/oyo.png").AsSpan(0, 16).ToArray();

        var ex = await RejectAsync(png, "oyo.png");

        Assert.Equal(DocumentRejectionReason.DamagedImage, ex.Reason);
        Assert.Equal("The document 'oyo.png' was rejected: the PNG is truncated before its IHDR header.", ex.Message);
    }

    [Fact]
    public async Task InspectAsync_JpegWithoutFrameHeader_RejectedAsDamagedImage()
    {
        var ex = await RejectAsync(CraftedImages.JpegWithoutSof(), "scan.jpg");

        Assert.Equal(DocumentRejectionReason.DamagedImage, ex.Reason);
        Assert.Contains("before any frame header (SOFn)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InspectAsync_PdfHeaderWithGarbageBody_RejectedAsDamaged()
    {
        var ex = await RejectAsync(Encoding.ASCII.GetBytes("%PDF-1.7\nthis is not a PDF body at all\n"), "fake.pdf");

        Assert.Equal(DocumentRejectionReason.Damaged, ex.Reason);
        Assert.StartsWith("The document 'fake.pdf' was rejected: the PDF is damaged and cannot be opened (", ex.Message, StringComparison.Ordinal);
        Assert.NotNull(ex.InnerException);
    }

    [Fact]
    public async Task InspectAsync_PasswordProtectedPdf_MessageSaysWhatToDo()
    {
        var ex = await RejectAsync(SharedData.ReadInvoice("edge/encrypted-password-is-password.pdf"), "secret.pdf");

        Assert.Equal(DocumentRejectionReason.PasswordProtected, ex.Reason);
        Assert.Equal("The document 'secret.pdf' was rejected: the PDF needs a user password to open. Remove the password and send it again.", ex.Message);
        Assert.IsType<UglyToad.PdfPig.Exceptions.PdfDocumentEncryptedException>(ex.InnerException);
    }

    [Fact]
    public async Task InspectAsync_ZeroPagePdf_MessageSaysNoPages()
    {
        var ex = await RejectAsync(SharedData.ReadInvoice("edge/empty.pdf"), "empty.pdf");

        Assert.Equal("The document 'empty.pdf' was rejected: the PDF has no pages.", ex.Message);
    }

    [Theory]
    [InlineData(569, true)]
    [InlineData(568, false)]
    public async Task InspectAsync_PagesAgainstMaxPages_LimitIsInclusive(int maxPages, bool accepted)
    {
        var document = InvoiceDocument.FromBytes(SharedData.ReadInvoice("edge/GHOSTSCRIPT-700125-1.pdf"), "big.pdf");
        var inspector = Inspector(new DocumentOptions { MaxPages = maxPages });

        if (accepted)
        {
            Assert.Equal(569, (await inspector.InspectAsync(document, Ct)).PageCount);
            return;
        }

        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => inspector.InspectAsync(document, Ct));
        Assert.Equal(DocumentRejectionReason.TooManyPages, ex.Reason);
        Assert.Equal("The document 'big.pdf' was rejected: the PDF has 569 pages; the limit is 568 (DocumentOptions.MaxPages).", ex.Message);
    }

    [Fact]
    public async Task InspectAsync_PdfClaimingBillionsOfPages_CountsRealPagesAgainstTheLimit()
    {
        var inspected = await Inspector(new DocumentOptions { MaxPages = 1 }).InspectAsync(InvoiceDocument.FromBytes(SharedData.ReadInvoice("edge/poppler-67295-0.pdf")), Ct);

        Assert.Equal(1, inspected.PageCount);
    }

    [Fact]
    public async Task InspectAsync_OverMaxFileBytes_RejectedBeforeParsing()
    {
        var parsed = false;
        var inspector = Inspector(new DocumentOptions { MaxFileBytes = 1000 }, pdfReader: (_, _, _) =>
        {
            parsed = true;
            return new PdfFacts(1, false, []);
        });

        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => inspector.InspectAsync(InvoiceDocument.FromBytes(SharedData.ReadInvoice("edge/issue6069.pdf").Concat(new byte[500]).ToArray(), "x.pdf"), Ct));

        Assert.Equal(DocumentRejectionReason.TooLarge, ex.Reason);
        Assert.Equal("The document 'x.pdf' was rejected: it has 1,065 bytes; the limit is 1,000 bytes (DocumentOptions.MaxFileBytes).", ex.Message);
        Assert.False(parsed);
    }

    [Fact]
    public async Task InspectAsync_KindNotInAllowedKinds_RejectedAsUnsupportedType()
    {
        var inspector = Inspector(new DocumentOptions { AllowedKinds = [DocumentKind.Pdf] });

        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => inspector.InspectAsync(InvoiceDocument.FromBytes(SharedData.ReadInvoice("sroie/img/000.jpg"), "000.jpg"), Ct));

        Assert.Equal(DocumentRejectionReason.UnsupportedType, ex.Reason);
        Assert.Equal("The document '000.jpg' was rejected: it is a Jpeg file, and DocumentOptions.AllowedKinds accepts only Pdf.", ex.Message);
        Assert.Equal(DocumentKind.Pdf, (await inspector.InspectAsync(InvoiceDocument.FromBytes(SharedData.ReadInvoice("invoice2data/oyo.pdf")), Ct)).Kind);
    }

    [Fact]
    public async Task InspectAsync_EmptyAllowedKinds_AcceptsEveryKind()
    {
        var inspected = await Inspector(new DocumentOptions { AllowedKinds = [] }).InspectAsync(InvoiceDocument.FromBytes(CraftedImages.WebpLossless(30, 40)), Ct);

        Assert.Equal((DocumentKind.Webp, "image/webp", 30, 40), (inspected.Kind, inspected.MimeType, inspected.PixelWidth!.Value, inspected.PixelHeight!.Value));
    }

    [Fact]
    public async Task InspectAsync_CraftedHeic_AcceptedWithPrimaryImageSize()
    {
        var heic = CraftedImages.Heif("heic", ["mif1", "heic"], [(512, 512), (4032, 3024)], primaryItem: 2);

        var inspected = await Inspector().InspectAsync(InvoiceDocument.FromBytes(heic, "photo.heic"), Ct);

        Assert.Equal((DocumentKind.Heic, "image/heic", 4032, 3024), (inspected.Kind, inspected.MimeType, inspected.PixelWidth!.Value, inspected.PixelHeight!.Value));
        Assert.Null(inspected.PageCount);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(heic)), inspected.Sha256);
    }

    [Fact]
    public async Task InspectAsync_CraftedHeif_AcceptedAsHeif()
    {
        var inspected = await Inspector().InspectAsync(InvoiceDocument.FromBytes(CraftedImages.Heif("mif1", ["mif1", "miaf"], [(640, 480)], primaryItem: 1)), Ct);

        Assert.Equal((DocumentKind.Heif, "image/heif"), (inspected.Kind, inspected.MimeType));
    }

    [Fact]
    public async Task InspectAsync_Pdf_ParsedOnAThreadPoolThreadNotADedicatedOne()
    {
        bool? onPool = null;
        var inspector = Inspector(pdfReader: (_, _, _) =>
        {
            onPool = Thread.CurrentThread.IsThreadPoolThread;
            return new PdfFacts(1, false, []);
        });

        await inspector.InspectAsync(InvoiceDocument.FromBytes(SharedData.ReadInvoice("edge/issue6069.pdf")), Ct);

        Assert.True(onPool);
    }

    [Theory]
    [InlineData(true, 1234L)]
    [InlineData(false, 0L)]
    public async Task InspectAsync_ReadEmbeddedFiles_GivesTheReaderTheFileLimitOrNoAttachmentBudget(bool readEmbeddedFiles, long expectedBudget)
    {
        long? budget = null;
        var options = new DocumentOptions { MaxFileBytes = 1234 };
        var inspector = Inspector(options, (_, _, b) =>
        {
            budget = b.EmbeddedBudgetBytes;
            return new PdfFacts(1, false, []);
        });

        await inspector.InspectAsync(InvoiceDocument.FromBytes(SharedData.ReadInvoice("edge/issue6069.pdf")), readEmbeddedFiles, Ct);

        Assert.Equal(expectedBudget, budget);
    }

    [Fact]
    public async Task InspectAsync_PdfParserNeverFinishes_RejectedAsDamagedWhenTheTimeoutPasses()
    {
        var time = new FakeTimeProvider();
        using var release = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        var logger = new FakeLogger();
        var options = new DocumentOptions { PdfParseTimeout = TimeSpan.FromSeconds(5) };
        var inspector = new DocumentInspector(() => options, time, logger, (_, _, _) =>
        {
            started.Set();
            release.Wait();
            return new PdfFacts(1, false, []);
        });
        try
        {
            var inspection = inspector.InspectAsync(InvoiceDocument.FromBytes(SharedData.ReadInvoice("edge/invalid-xref-loop.pdf"), "loop.pdf"), Ct);
            Assert.True(started.Wait(TimeSpan.FromMinutes(1), Ct));
            Assert.False(inspection.IsCompleted);

            time.Advance(TimeSpan.FromSeconds(4));
            Assert.False(inspection.IsCompleted);
            time.Advance(TimeSpan.FromSeconds(1));

            var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => inspection);
            Assert.Equal(DocumentRejectionReason.Damaged, ex.Reason);
            Assert.Equal("The document 'loop.pdf' was rejected: the PDF could not be parsed within 5 s (DocumentOptions.PdfParseTimeout); it is malformed or hostile.", ex.Message);
            Assert.IsType<TimeoutException>(ex.InnerException);
            Assert.Contains(logger.Collector.GetSnapshot(), r => r.Id.Id == 1003 && r.Level == LogLevel.Warning);
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public async Task InspectAsync_CanceledWhileParsing_ThrowsOperationCanceled()
    {
        using var release = new ManualResetEventSlim();
        using var started = new ManualResetEventSlim();
        using var cts = new CancellationTokenSource();
        var inspector = Inspector(pdfReader: (_, _, _) =>
        {
            started.Set();
            release.Wait();
            return new PdfFacts(1, false, []);
        });
        try
        {
            var inspection = inspector.InspectAsync(InvoiceDocument.FromBytes(SharedData.ReadInvoice("edge/issue6069.pdf")), cts.Token);
            Assert.True(started.Wait(TimeSpan.FromMinutes(1), Ct));

            await cts.CancelAsync();

            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => inspection);
        }
        finally
        {
            release.Set();
        }
    }

    [Fact]
    public async Task InspectAsync_ReaderThrowsUnexpectedException_RejectedAsDamaged()
    {
        var inspector = Inspector(pdfReader: (_, _, _) => throw new InvalidCastException("boom"));

        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => inspector.InspectAsync(InvoiceDocument.FromBytes(SharedData.ReadInvoice("edge/issue6069.pdf"), "odd.pdf"), Ct));

        Assert.Equal(DocumentRejectionReason.Damaged, ex.Reason);
        Assert.Equal("The document 'odd.pdf' was rejected: the PDF is damaged and cannot be opened (InvalidCastException).", ex.Message);
        Assert.IsType<InvalidCastException>(ex.InnerException);
    }

    [Fact]
    public async Task InspectAsync_Rejection_IsLoggedWithReason()
    {
        var logger = new FakeLogger();
        var options = new DocumentOptions();
        var inspector = new DocumentInspector(() => options, TimeProvider.System, logger, PdfDocumentReader.Read);

        await Assert.ThrowsAsync<InvalidDocumentException>(() => inspector.InspectAsync(InvoiceDocument.FromBytes(SharedData.ReadInvoice("edge/empty.pdf"), "empty.pdf"), Ct));
        _ = await inspector.InspectAsync(InvoiceDocument.FromBytes(SharedData.ReadInvoice("edge/EmptyPdf.pdf"), "blank.pdf"), Ct);

        var records = logger.Collector.GetSnapshot();
        var rejected = Assert.Single(records, r => r.Id.Id == 1002);
        Assert.Equal(LogLevel.Information, rejected.Level);
        Assert.Contains("empty.pdf", rejected.Message, StringComparison.Ordinal);
        Assert.Contains("NoPages", rejected.Message, StringComparison.Ordinal);
        Assert.Contains(records, r => r.Id.Id == 1001 && r.Message.Contains("blank.pdf", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InspectAsync_EveryTruncationOfARealPdf_AcceptsOrRejectsWithATypedError()
    {
        // issue6069.pdf is 565 bytes; cutting it at every length exercises PdfPig's recovery paths. Each outcome must be an
        // acceptance or an InvalidDocumentException, never another exception type.
        var pdf = SharedData.ReadInvoice("edge/issue6069.pdf");
        var inspector = Inspector();
        var outcomes = new Dictionary<string, int>(StringComparer.Ordinal);

        for (var length = 0; length <= pdf.Length; length++)
        {
            string outcome;
            try
            {
                var inspected = await inspector.InspectAsync(InvoiceDocument.FromBytes(pdf.AsMemory(0, length)), Ct);
                outcome = "pages=" + inspected.PageCount;
            }
            catch (InvalidDocumentException ex)
            {
                outcome = ex.Reason.ToString();
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        Assert.Equal(1, outcomes["Empty"]);
        Assert.True(outcomes["UnsupportedType"] > 0); // cut inside the junk or before "%PDF-" is complete
        Assert.True(outcomes["Damaged"] > 0);
        Assert.True(outcomes["pages=1"] > 0);
    }

    [Fact]
    public async Task InspectAsync_RandomBytesBehindAPdfHeader_NeverThrowAnythingButInvalidDocument()
    {
        var inspector = Inspector();

        await Gen.Byte.Array[0, 400].SampleAsync(
            async body =>
            {
                try
                {
                    _ = await inspector.InspectAsync(InvoiceDocument.FromBytes([.. "%PDF-1.4\n"u8, .. body]), Ct);
                }
                catch (InvalidDocumentException)
                {
                    // A typed rejection is the expected outcome for noise.
                }
            },
            iter: 300);
    }

    [Fact]
    public async Task InspectAsync_NullDocument_Throws()
    {
        await Assert.ThrowsAsync<ArgumentNullException>(() => Inspector().InspectAsync(null!, Ct));
    }

    private static async Task<InvalidDocumentException> RejectAsync(byte[] bytes, string? fileName)
    {
        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => Inspector().InspectAsync(InvoiceDocument.FromBytes(bytes, fileName), Ct));
        Assert.Equal(fileName, ex.FileName);
        Assert.Equal(InvoiceOcrErrorKind.InvalidDocument, ex.Kind);
        Assert.False(ex.IsTransient);
        return ex;
    }

    private static DocumentInspector Inspector(DocumentOptions? options = null, Func<ReadOnlyMemory<byte>, string?, PdfReadLimits, PdfFacts>? pdfReader = null)
    {
        options ??= new DocumentOptions();
        return new DocumentInspector(() => options, TimeProvider.System, NullLogger.Instance, pdfReader ?? PdfDocumentReader.Read);
    }
}
