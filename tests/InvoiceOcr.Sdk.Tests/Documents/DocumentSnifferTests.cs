using System.Text;
using InvoiceOcr.Sdk.Documents;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Sdk.Tests.Documents;

public sealed class DocumentSnifferTests
{
    [Fact]
    public void Detect_ImageSignatures_DetectsEachKind()
    {
        Assert.Equal(DocumentKind.Png, DocumentSniffer.Detect(CraftedImages.Png(1, 1)));
        Assert.Equal(DocumentKind.Jpeg, DocumentSniffer.Detect(CraftedImages.Jpeg(1, 1)));
        Assert.Equal(DocumentKind.Webp, DocumentSniffer.Detect(CraftedImages.WebpLossy(1, 1)));
        Assert.Equal(DocumentKind.Webp, DocumentSniffer.Detect(CraftedImages.WebpLossless(1, 1)));
        Assert.Equal(DocumentKind.Webp, DocumentSniffer.Detect(CraftedImages.WebpExtended(1, 1)));
    }

    [Theory]
    [InlineData("heic", new string[] { "mif1", "heic" }, DocumentKind.Heic)]
    [InlineData("heix", new string[] { "mif1" }, DocumentKind.Heic)]
    [InlineData("heim", new string[0], DocumentKind.Heic)]
    [InlineData("heis", new string[0], DocumentKind.Heic)]
    [InlineData("hevc", new string[] { "msf1" }, DocumentKind.Heic)]
    [InlineData("mif1", new string[] { "heic" }, DocumentKind.Heic)]
    [InlineData("mif1", new string[] { "mif1", "miaf" }, DocumentKind.Heif)]
    [InlineData("msf1", new string[] { "iso8" }, DocumentKind.Heif)]
    [InlineData("mif1", new string[] { "avif", "mif1" }, null)] // AVIF: Gemini does not accept it
    [InlineData("avif", new string[] { "avif", "mif1", "miaf" }, null)]
    [InlineData("isom", new string[] { "isom", "iso2", "avc1", "mp41" }, null)] // an MP4 video
    [InlineData("qt  ", new string[0], null)] // a QuickTime movie
    public void Detect_IsoBmffBrands_TellsHeicHeifAndOthersApart(string major, string[] compatible, DocumentKind? expected)
    {
        Assert.Equal(expected, DocumentSniffer.Detect(CraftedImages.Heif(major, compatible, [(10, 10)], primaryItem: 1)));
    }

    [Fact]
    public void Detect_FtypBoxLongerThanTheFile_IsNotHeif()
    {
        var heic = CraftedImages.Heif("heic", ["mif1"], [(10, 10)], primaryItem: 1);

        Assert.Null(DocumentSniffer.Detect(heic.AsSpan(0, 18)));
    }

    [Theory]
    [InlineData("%PDF-1.7\n1 0 obj\n<<>>\nendobj\n")]
    [InlineData("%PDF-2.0")]
    public void Detect_PdfHeaderAtStart_IsPdf(string text)
    {
        Assert.Equal(DocumentKind.Pdf, DocumentSniffer.Detect(Encoding.ASCII.GetBytes(text)));
    }

    [Theory]
    [InlineData(1019, DocumentKind.Pdf)] // "%PDF-" ends exactly at byte 1024
    [InlineData(1020, null)]             // one byte later: outside the window readers search
    public void Detect_JunkBeforeHeader_AcceptedOnlyWithinFirst1024Bytes(int junkLength, DocumentKind? expected)
    {
        var bytes = Encoding.ASCII.GetBytes(new string('j', junkLength) + "%PDF-1.4\n1 0 obj\n<<>>\nendobj\n");

        Assert.Equal(expected, DocumentSniffer.Detect(bytes));
    }

    [Fact]
    public void Detect_HeaderlessPdfFromPdfJs_IsPdf()
    {
        var bytes = SharedData.ReadInvoice("edge/bug1606566.pdf");

        Assert.Equal(DocumentKind.Pdf, DocumentSniffer.Detect(bytes));
        Assert.True(DocumentSniffer.IsHeaderlessPdf(bytes));
    }

    [Theory]
    [InlineData("%comment\n1 0 obj\n<<>>\nendobj\ntrailer\n%%EOF\n", true)]
    [InlineData("%comment\r12  0 obj\r<<>>\rendobj\r%%EOF", true)]
    [InlineData("%comment\n1 0 obj\n<<>>\nendobj\n", false)]      // no %%EOF
    [InlineData("%comment\nhello world\n%%EOF\n", false)]       // no indirect object
    [InlineData("comment\n1 0 obj\n<<>>\nendobj\n%%EOF\n", false)] // does not start with a comment
    [InlineData("%comment\nx1 0 obj\n%%EOF\n", false)]           // the object is not at a line start
    [InlineData("%comment\n1 obj\n%%EOF\n", false)]              // no generation number
    public void IsHeaderlessPdf_NeedsCommentObjectAndEof(string text, bool expected)
    {
        Assert.Equal(expected, DocumentSniffer.IsHeaderlessPdf(Encoding.ASCII.GetBytes(text)));
    }

    [Theory]
    [InlineData("invoice2data/AmazonWebServices.json")]
    [InlineData("sroie/box/000.csv")]
    [InlineData("zugferd/embedded/EN16931_Einfach/factur-x.xml")]
    [InlineData("SOURCES.md")]
    public void Detect_CorpusTextFiles_AreNothing(string path)
    {
        Assert.Null(DocumentSniffer.Detect(SharedData.ReadInvoice(path)));
    }

    [Fact]
    public void Detect_TruncatedSignatures_AreNothing()
    {
        Assert.Null(DocumentSniffer.Detect([]));
        Assert.Null(DocumentSniffer.Detect([0x89, (byte)'P', (byte)'N', (byte)'G']));
        Assert.Null(DocumentSniffer.Detect([0xFF, 0xD8]));
        Assert.Null(DocumentSniffer.Detect("RIFF\0\0\0\0WEB"u8));
        Assert.Null(DocumentSniffer.Detect("RIFF\0\0\0\0WAVE"u8)); // a WAV file is RIFF too
        Assert.Null(DocumentSniffer.Detect("%PDF"u8));
    }
}
