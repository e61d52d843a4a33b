using InvoiceOcr.Sdk.Documents;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace InvoiceOcr.Sdk.Tests.Documents;

/// <summary>
/// Runs every file of the shared invoice corpus through intake and asserts the exact outcome. Ground truth is the
/// inventory in <c>shared/invoices/SOURCES.md</c> (pages per qpdf, SHA-256 prefixes), corrected where qpdf is wrong
/// (see the comments on the edge rows) and <c>file(1)</c> for image sizes.
/// </summary>
public sealed class DocumentInspectorCorpusTests
{
    private static readonly CorpusExpectation[] Expectations =
    [
        Reject("SOURCES.md", DocumentRejectionReason.UnsupportedType),
        Pdf("edge/EmptyPdf.pdf", 1, "e5821f8867b0"),
        // 569 pages, under the default limit of 1000.
        Pdf("edge/GHOSTSCRIPT-700125-1.pdf", 569, "8f0d14a49cbe"),
        // Object stream that contains itself, no usable /Root: PdfPig throws "Object stream cannot contain itself".
        Reject("edge/SpookyPass.pdf", DocumentRejectionReason.Damaged),
        // No %PDF-x.y header at all (starts with the binary comment). pdf.js opens it, poppler counts 1 page, PdfPig
        // (lenient) opens it with 1 page: accepted as a header-less PDF (DocumentSniffer.IsHeaderlessPdf).
        Pdf("edge/bug1606566.pdf", 1, "6aa28594cf12"),
        // 15 bytes: a valid header and nothing else, so no xref, trailer or root.
        Reject("edge/corrupt-factur-x-waytoosmall.pdf", DocumentRejectionReason.Damaged),
        // Damaged xref and page tree. qpdf recovers but counts 0 pages; poppler and PdfPig (lenient) both rebuild the
        // xref and find the 1 page a viewer shows, so the SDK accepts it with 1 page, as the model would read it.
        Pdf("edge/corruptedV2PDF.pdf", 1, "215e9b400363"),
        // Valid PDF with /Count 0 /Kids [].
        Reject("edge/empty.pdf", DocumentRejectionReason.NoPages),
        // AES-256 with an owner password only: opens without a password, so it is accepted.
        Pdf("edge/empty_protected.pdf", 1, "69556af04215", encrypted: true),
        // Needs the user password "password" (R=6 AES-256).
        Reject("edge/encrypted-password-is-password.pdf", DocumentRejectionReason.PasswordProtected),
        // xref loop trap. qpdf errors, poppler reconstructs 1 page; PdfPig 0.1.16 breaks the loop and opens 1 page
        // (PdfPig's own test asserts it opens). The parse-timeout guard stays in place for loops not seen yet.
        Pdf("edge/invalid-xref-loop.pdf", 1, "d34f287ad616"),
        // Junk before the %PDF- header: accepted because the header starts within the first 1024 bytes, as in every reader.
        Pdf("edge/issue6069.pdf", 1, "40a5a310ed3a"),
        Pdf("edge/merge-implicit-ranges.pdf", 51, "a0a47d34fe90"),
        // Claims /Count 9999999999; the real page tree holds 1 page (qpdf --show-npages believes the lie).
        Pdf("edge/poppler-67295-0.pdf", 1, "f513f3b4b4a1"),
        // AES-128 R=4 with an empty user password: opens without a password, so it is accepted.
        Pdf("edge/r4_aes_empty_string.pdf", 1, "d150b0bb9b74", encrypted: true),
        Reject("invoice2data/AmazonWebServices.json", DocumentRejectionReason.UnsupportedType),
        Pdf("invoice2data/AmazonWebServices.pdf", 1, "2e21d50f59a9"),
        Image("invoice2data/AmazonWebServices.png", DocumentKind.Png, 2975, 3850, "fec56e365019"),
        Reject("invoice2data/AzureInterior.json", DocumentRejectionReason.UnsupportedType),
        Pdf("invoice2data/AzureInterior.pdf", 1, "0dc290329d39"),
        Reject("invoice2data/FlipkartInvoice.json", DocumentRejectionReason.UnsupportedType),
        Pdf("invoice2data/FlipkartInvoice.pdf", 1, "d57921532b83"),
        Image("invoice2data/FlipkartInvoice.png", DocumentKind.Png, 789, 557, "5f3ef427336e"),
        Reject("invoice2data/NetpresseInvoice.json", DocumentRejectionReason.UnsupportedType),
        Pdf("invoice2data/NetpresseInvoice.pdf", 1, "c7711ffe4f0c"),
        Reject("invoice2data/QualityHosting.json", DocumentRejectionReason.UnsupportedType),
        Pdf("invoice2data/QualityHosting.pdf", 2, "e33124038dfb"),
        Reject("invoice2data/SammyMaystoneLinesTest.json", DocumentRejectionReason.UnsupportedType),
        Pdf("invoice2data/SammyMaystoneLinesTest.pdf", 1, "f014ddfa83dd"),
        Image("invoice2data/SammyMaystoneLinesTest.png", DocumentKind.Png, 1700, 2200, "a1096c692961"),
        Reject("invoice2data/coolblue1.json", DocumentRejectionReason.UnsupportedType),
        Pdf("invoice2data/coolblue1.pdf", 1, "3932539b7133"),
        Reject("invoice2data/coolblue2.json", DocumentRejectionReason.UnsupportedType),
        Pdf("invoice2data/coolblue2.pdf", 1, "ebf3e41e3bd3"),
        Reject("invoice2data/embedded/AzureInterior/UBL-Invoice-2.1.xml", DocumentRejectionReason.UnsupportedType),
        Reject("invoice2data/free_fiber.json", DocumentRejectionReason.UnsupportedType),
        Pdf("invoice2data/free_fiber.pdf", 2, "a3701f395925"),
        Reject("invoice2data/oyo.json", DocumentRejectionReason.UnsupportedType),
        Pdf("invoice2data/oyo.pdf", 1, "ca0ca71b4744"),
        Image("invoice2data/oyo.png", DocumentKind.Png, 2892, 4093, "023f34f30ef2"),
        Reject("invoice2data/saeco.json", DocumentRejectionReason.UnsupportedType),
        Pdf("invoice2data/saeco.pdf", 1, "67f89ff5db4b"),
        Pdf("mustang/103767-Invoice-2026-03-24-1.pdf", 1, "064c7b4928d6"),
        Pdf("mustang/Facture_F20180027.pdf", 1, "d8af03c13c0c"),
        Reject("mustang/embedded/103767-Invoice-2026-03-24-1/factur-x.xml", DocumentRejectionReason.UnsupportedType),
        Reject("mustang/embedded/Facture_F20180027/factur-x.xml", DocumentRejectionReason.UnsupportedType),
        Pdf("pdfpig/Arve.nr.1615.17.04.2026.pdf", 1, "bd7c10303eb7"),
        Pdf("pdfpig/LKR824191.pdf", 1, "f868d3b1ef8c"),
        Pdf("pdfpig/iizieileamidagi.ARVE_2745540212.pdf", 1, "e831f911df8e"),
        Reject("sroie/box/000.csv", DocumentRejectionReason.UnsupportedType),
        Reject("sroie/box/010.csv", DocumentRejectionReason.UnsupportedType),
        Reject("sroie/box/050.csv", DocumentRejectionReason.UnsupportedType),
        Reject("sroie/box/200.csv", DocumentRejectionReason.UnsupportedType),
        Reject("sroie/box/412.csv", DocumentRejectionReason.UnsupportedType),
        Image("sroie/img/000.jpg", DocumentKind.Jpeg, 463, 1013, "8b85d2c325c6"),
        Image("sroie/img/010.jpg", DocumentKind.Jpeg, 873, 1656, "ae9ee3b5dc08"),
        Image("sroie/img/050.jpg", DocumentKind.Jpeg, 1080, 1528, "7f29fb7b6198"),
        Image("sroie/img/200.jpg", DocumentKind.Jpeg, 714, 1463, "a6052083dfd5"),
        Image("sroie/img/412.jpg", DocumentKind.Jpeg, 731, 1324, "6a03c2c90cdf"),
        Reject("sroie/key/000.json", DocumentRejectionReason.UnsupportedType),
        Reject("sroie/key/010.json", DocumentRejectionReason.UnsupportedType),
        Reject("sroie/key/050.json", DocumentRejectionReason.UnsupportedType),
        Reject("sroie/key/200.json", DocumentRejectionReason.UnsupportedType),
        Reject("sroie/key/412.json", DocumentRejectionReason.UnsupportedType),
        Pdf("zugferd/Avoir_FR_type381_BASIC.pdf", 1, "d7bf31284824"),
        Pdf("zugferd/EN16931_Einfach.pdf", 2, "a472032f5252"),
        Pdf("zugferd/EN16931_Gutschrift.pdf", 2, "e08975697d1e"),
        Pdf("zugferd/EN16931_Innergemeinschaftliche_Lieferungen.pdf", 3, "179e53af5569"),
        Pdf("zugferd/EN16931_Miete.pdf", 4, "11537486d08e"),
        Pdf("zugferd/EN16931_Rabatte.pdf", 3, "cb71ee7de391"),
        Pdf("zugferd/EN16931_Reisekostenabrechnung.pdf", 3, "e767f4be9265"),
        Pdf("zugferd/Facture_FR_BASICWL.pdf", 1, "2e783dddb6bb"),
        Pdf("zugferd/Facture_UE_MINIMUM.pdf", 1, "a98e340871b6"),
        Pdf("zugferd/MustangGnuaccountingBeispielRE-20201121_508.pdf", 1, "ed0291114a1d"),
        Pdf("zugferd/RE-E-974-Hetzner_2016-01-19_R0005532486.pdf", 1, "78e880c0acea"),
        Pdf("zugferd/XRECHNUNG_Einfach.pdf", 3, "3fedc66a282b"),
        Pdf("zugferd/acme_invoice-42_ZUGFeRD.pdf", 1, "a3b700e2db9b"),
        Reject("zugferd/embedded/Avoir_FR_type381_BASIC/factur-x.xml", DocumentRejectionReason.UnsupportedType),
        Reject("zugferd/embedded/EN16931_Einfach/factur-x.xml", DocumentRejectionReason.UnsupportedType),
        Reject("zugferd/embedded/EN16931_Gutschrift/factur-x.xml", DocumentRejectionReason.UnsupportedType),
        Reject("zugferd/embedded/EN16931_Innergemeinschaftliche_Lieferungen/factur-x.xml", DocumentRejectionReason.UnsupportedType),
        Reject("zugferd/embedded/EN16931_Miete/factur-x.xml", DocumentRejectionReason.UnsupportedType),
        Reject("zugferd/embedded/EN16931_Rabatte/factur-x.xml", DocumentRejectionReason.UnsupportedType),
        Reject("zugferd/embedded/EN16931_Reisekostenabrechnung/factur-x.xml", DocumentRejectionReason.UnsupportedType),
        Reject("zugferd/embedded/Facture_FR_BASICWL/factur-x.xml", DocumentRejectionReason.UnsupportedType),
        Reject("zugferd/embedded/Facture_UE_MINIMUM/factur-x.xml", DocumentRejectionReason.UnsupportedType),
        Reject("zugferd/embedded/MustangGnuaccountingBeispielRE-20201121_508/factur-x.xml", DocumentRejectionReason.UnsupportedType),
        Reject("zugferd/embedded/XRECHNUNG_Einfach/xrechnung.xml", DocumentRejectionReason.UnsupportedType),
        Reject("zugferd/embedded/acme_invoice-42_ZUGFeRD/ZUGFeRD-invoice.xml", DocumentRejectionReason.UnsupportedType),
        Reject("zugferd/embedded/zugferd_2p0_EXTENDED_Fremdwaehrung/zugferd-invoice.xml", DocumentRejectionReason.UnsupportedType),
        Pdf("zugferd/zugferd_2p0_EXTENDED_Fremdwaehrung.pdf", 3, "c84b02534504"),
    ];

    public static TheoryData<string> CorpusFiles => new(Expectations.Select(e => e.Path));

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public Task InspectAsync_CorpusFile_MatchesExpectation(string path) => AssertExpectationAsync(path, readEmbeddedFiles: true);

    /// <summary>ModelOnly extraction skips the attachment search; every rejection and every fact but the attachments must stay.</summary>
    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public Task InspectAsync_CorpusFileWithoutReadingEmbeddedFiles_MatchesExpectation(string path) => AssertExpectationAsync(path, readEmbeddedFiles: false);

    private static async Task AssertExpectationAsync(string path, bool readEmbeddedFiles)
    {
        var expected = Expectations.Single(e => e.Path == path);
        var fileName = Path.GetFileName(path);
        var document = InvoiceDocument.FromBytes(SharedData.ReadInvoice(path), fileName);
        var inspector = CreateInspector();

        if (expected.Reason is { } reason)
        {
            var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => inspector.InspectAsync(document, readEmbeddedFiles, TestContext.Current.CancellationToken));
            Assert.Equal(reason, ex.Reason);
            Assert.Equal(InvoiceOcrErrorKind.InvalidDocument, ex.Kind);
            Assert.Equal(fileName, ex.FileName);
            Assert.Contains(fileName, ex.Message, StringComparison.Ordinal);
            return;
        }

        var inspected = await inspector.InspectAsync(document, readEmbeddedFiles, TestContext.Current.CancellationToken);
        Assert.Equal(expected.Kind, inspected.Kind);
        Assert.Equal(expected.Pages, inspected.PageCount);
        Assert.Equal(expected.Width, inspected.PixelWidth);
        Assert.Equal(expected.Height, inspected.PixelHeight);
        Assert.Equal(expected.Encrypted, inspected.IsEncrypted);
        Assert.Equal(64, inspected.Sha256.Length);
        Assert.StartsWith(expected.Sha256Prefix!, inspected.Sha256, StringComparison.Ordinal);
        Assert.Equal(document.Length, inspected.Length);
        Assert.Equal(fileName, inspected.FileName);
        Assert.Equal(DocumentKindInfo.MimeType(inspected.Kind), inspected.MimeType);
        if (!readEmbeddedFiles)
        {
            Assert.Empty(inspected.EmbeddedFiles);
        }
    }

    [Fact]
    public void Expectations_EveryCorpusFile_HasExactlyOneRow()
    {
        var root = SharedData.InvoicesRoot;
        var onDisk = Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();
        var rows = Expectations.Select(e => e.Path).Order(StringComparer.Ordinal).ToArray();

        Assert.Empty(onDisk.Except(rows, StringComparer.Ordinal)); // a new corpus file needs an expectation row
        Assert.Empty(rows.Except(onDisk, StringComparer.Ordinal)); // a row for a file that is gone is stale
        Assert.Equal(rows.Length, rows.Distinct(StringComparer.Ordinal).Count());
    }

    [Theory]
    [InlineData("zugferd/EN16931_Einfach.pdf", "zugferd/embedded/EN16931_Einfach/factur-x.xml")]
    [InlineData("zugferd/XRECHNUNG_Einfach.pdf", "zugferd/embedded/XRECHNUNG_Einfach/xrechnung.xml")]
    [InlineData("zugferd/acme_invoice-42_ZUGFeRD.pdf", "zugferd/embedded/acme_invoice-42_ZUGFeRD/ZUGFeRD-invoice.xml")]
    [InlineData("zugferd/zugferd_2p0_EXTENDED_Fremdwaehrung.pdf", "zugferd/embedded/zugferd_2p0_EXTENDED_Fremdwaehrung/zugferd-invoice.xml")]
    [InlineData("zugferd/EN16931_Reisekostenabrechnung.pdf", "zugferd/embedded/EN16931_Reisekostenabrechnung/factur-x.xml")]
    [InlineData("mustang/Facture_F20180027.pdf", "mustang/embedded/Facture_F20180027/factur-x.xml")]
    [InlineData("invoice2data/AzureInterior.pdf", "invoice2data/embedded/AzureInterior/UBL-Invoice-2.1.xml")]
    public async Task InspectAsync_HybridInvoice_ExposesEmbeddedXmlByteForByte(string pdf, string extractedXml)
    {
        var inspected = await CreateInspector().InspectAsync(InvoiceDocument.FromBytes(SharedData.ReadInvoice(pdf)), TestContext.Current.CancellationToken);

        // The corpus' embedded/ files were pulled out with poppler's pdfdetach; PdfPig must yield the same bytes.
        var name = Path.GetFileName(extractedXml);
        var embedded = Assert.Single(inspected.EmbeddedFiles, f => f.Name == name);
        Assert.Equal(SharedData.ReadInvoice(extractedXml), embedded.Content.ToArray());
    }

    [Theory]
    [InlineData("zugferd/EN16931_Einfach.pdf", 2)]
    [InlineData("zugferd/EN16931_Miete.pdf", 4)]
    [InlineData("edge/corruptedV2PDF.pdf", 1)]
    public async Task InspectAsync_HybridInvoiceWithoutReadingEmbeddedFiles_ListsNoAttachmentButTheSameFacts(string pdf, int pages)
    {
        var document = InvoiceDocument.FromBytes(SharedData.ReadInvoice(pdf));
        var inspector = CreateInspector();

        var with = await inspector.InspectAsync(document, readEmbeddedFiles: true, TestContext.Current.CancellationToken);
        var without = await inspector.InspectAsync(document, readEmbeddedFiles: false, TestContext.Current.CancellationToken);

        Assert.NotEmpty(with.EmbeddedFiles);
        Assert.Empty(without.EmbeddedFiles);
        Assert.Equal((pages, with.Sha256, with.IsEncrypted), (without.PageCount ?? 0, without.Sha256, without.IsEncrypted));
        Assert.Equal(pages, with.PageCount);
    }

    [Fact]
    public async Task InspectAsync_PdfWithPdfAndXmlAttachments_CopiesOutOnlyTheXml()
    {
        // The two attached PDFs cannot be e-invoices: they are inflated only far enough to see they are not XML, never kept.
        var inspected = await CreateInspector().InspectAsync(InvoiceDocument.FromBytes(SharedData.ReadInvoice("zugferd/EN16931_Reisekostenabrechnung.pdf")), TestContext.Current.CancellationToken);

        var file = Assert.Single(inspected.EmbeddedFiles);
        Assert.Equal("factur-x.xml", file.Name);
        Assert.Equal(SharedData.ReadInvoice("zugferd/embedded/EN16931_Reisekostenabrechnung/factur-x.xml"), file.Content.ToArray());
    }

    [Fact]
    public async Task InspectAsync_PdfWithoutAttachments_HasNoEmbeddedFiles()
    {
        var inspected = await CreateInspector().InspectAsync(InvoiceDocument.FromBytes(SharedData.ReadInvoice("invoice2data/oyo.pdf")), TestContext.Current.CancellationToken);

        Assert.Empty(inspected.EmbeddedFiles);
    }

    internal static DocumentInspector CreateInspector(DocumentOptions? options = null)
    {
        options ??= new DocumentOptions();
        return new DocumentInspector(() => options, TimeProvider.System, NullLogger.Instance, PdfDocumentReader.Read);
    }

    private static CorpusExpectation Pdf(string path, int pages, string sha256Prefix, bool encrypted = false) =>
        new(path, DocumentKind.Pdf, pages, null, null, sha256Prefix, null, encrypted);

    private static CorpusExpectation Image(string path, DocumentKind kind, int width, int height, string sha256Prefix) =>
        new(path, kind, null, width, height, sha256Prefix, null, false);

    private static CorpusExpectation Reject(string path, DocumentRejectionReason reason) =>
        new(path, null, null, null, null, null, reason, false);

    private sealed record CorpusExpectation(
        string Path,
        DocumentKind? Kind,
        int? Pages,
        int? Width,
        int? Height,
        string? Sha256Prefix,
        DocumentRejectionReason? Reason,
        bool Encrypted);
}
