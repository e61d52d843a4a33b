using InvoiceOcr.Sdk.Documents;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Sdk.Tests.Documents;

public sealed class PdfDocumentReaderTests
{
    private const string TravelExpenses = "zugferd/EN16931_Reisekostenabrechnung.pdf";

    [Theory]
    [InlineData(0, 1)]
    [InlineData(-1, 0)]
    public void Read_EmbeddedXmlWithinOrPastTheBudget_IsKeptOrSkipped(int budgetPastXml, int expectedFiles)
    {
        var xmlLength = SharedData.ReadInvoice("zugferd/embedded/EN16931_Reisekostenabrechnung/factur-x.xml").Length;

        // The two attached PDFs are never kept (not e-invoices); the XML is kept while the budget has room for it.
        var facts = PdfDocumentReader.Read(SharedData.ReadInvoice(TravelExpenses), "travel.pdf", embeddedBudgetBytes: xmlLength + budgetPastXml);

        Assert.Equal(expectedFiles, facts.EmbeddedFiles.Count);
        Assert.All(facts.EmbeddedFiles, f => Assert.Equal("factur-x.xml", f.Name));
        Assert.Equal(3, facts.PageCount);
    }

    [Fact]
    public void Read_ZeroBudget_CopiesNoEmbeddedFiles()
    {
        var facts = PdfDocumentReader.Read(SharedData.ReadInvoice(TravelExpenses), null, embeddedBudgetBytes: 0);

        Assert.Empty(facts.EmbeddedFiles);
    }

    [Theory]
    [InlineData("edge/empty_protected.pdf", true)]
    [InlineData("edge/r4_aes_empty_string.pdf", true)]
    [InlineData("invoice2data/oyo.pdf", false)]
    public void Read_EncryptionWithoutUserPassword_OpensAndReportsEncryption(string path, bool encrypted)
    {
        var facts = PdfDocumentReader.Read(SharedData.ReadInvoice(path), null, 0);

        Assert.Equal(encrypted, facts.IsEncrypted);
        Assert.Equal(1, facts.PageCount);
    }

    [Fact]
    public void Read_SelfContainingObjectStream_RejectedAsDamagedNamingTheFault()
    {
        var ex = Assert.Throws<InvalidDocumentException>(() => PdfDocumentReader.Read(SharedData.ReadInvoice("edge/SpookyPass.pdf"), "SpookyPass.pdf", 0));

        Assert.Equal(DocumentRejectionReason.Damaged, ex.Reason);
        Assert.Equal("SpookyPass.pdf", ex.FileName);
        Assert.Contains("Object stream cannot contain itself", ex.Message, StringComparison.Ordinal);
    }
}
