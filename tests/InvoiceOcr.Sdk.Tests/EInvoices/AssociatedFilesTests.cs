using InvoiceOcr.Sdk.Documents;
using InvoiceOcr.Sdk.EInvoices;
using InvoiceOcr.TestSupport;
using UglyToad.PdfPig;

namespace InvoiceOcr.Sdk.Tests.EInvoices;

public sealed class AssociatedFilesTests
{
    [Theory]
    [InlineData("zugferd/EN16931_Einfach.pdf", "zugferd/embedded/EN16931_Einfach/factur-x.xml")]
    [InlineData("mustang/Facture_F20180027.pdf", "mustang/embedded/Facture_F20180027/factur-x.xml")]
    [InlineData("zugferd/XRECHNUNG_Einfach.pdf", "zugferd/embedded/XRECHNUNG_Einfach/xrechnung.xml")]
    public void Read_PdfA3FacturX_ReturnsTheAssociatedXmlByteForByte(string pdf, string xml)
    {
        using var document = PdfDocument.Open(SharedData.ReadInvoice(pdf));

        var spec = Assert.Single(AssociatedFiles.Find(document), f => f.Name == Path.GetFileName(xml));
        var files = EInvoiceAttachments.Read(document, "hybrid.pdf", DocumentOptions.DefaultMaxEmbeddedXmlBytes, long.MaxValue, PdfParseGuard.Unbounded());

        var file = Assert.Single(files, f => f.Name == spec.Name);
        Assert.Equal(File.ReadAllBytes(SharedData.Invoice(xml)), file.Content.ToArray());
    }

    [Fact]
    public void Read_PlainPdf_ReturnsNothing()
    {
        using var document = PdfDocument.Open(SharedData.ReadInvoice("zugferd/RE-E-974-Hetzner_2016-01-19_R0005532486.pdf"));

        Assert.Empty(AssociatedFiles.Find(document));
    }
}
