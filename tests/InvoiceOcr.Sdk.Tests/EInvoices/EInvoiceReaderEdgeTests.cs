using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Sdk.Tests.EInvoices;

public sealed class EInvoiceReaderEdgeTests
{
    /// <summary>Every malformed or unusual PDF of the corpus with what the reader must answer: no e-invoice, or a typed rejection.</summary>
    public static TheoryData<string, string> EdgePdfs => new()
    {
        { "EmptyPdf.pdf", "none" },
        { "GHOSTSCRIPT-700125-1.pdf", "none" },
        { "SpookyPass.pdf", nameof(DocumentRejectionReason.Damaged) },
        { "bug1606566.pdf", "none" },
        { "corrupt-factur-x-waytoosmall.pdf", nameof(DocumentRejectionReason.Damaged) },
        { "corruptedV2PDF.pdf", "invoice RE-20171118/506" }, // damaged xref hides the names tree; the /AF array still yields the XML
        { "empty.pdf", "none" },
        { "empty_protected.pdf", "none" },
        { "encrypted-password-is-password.pdf", nameof(DocumentRejectionReason.PasswordProtected) },
        { "invalid-xref-loop.pdf", "none" },
        { "issue6069.pdf", "none" },
        { "merge-implicit-ranges.pdf", "none" },
        { "poppler-67295-0.pdf", "none" },
        { "r4_aes_empty_string.pdf", "none" },
    };

    [Theory]
    [MemberData(nameof(EdgePdfs))]
    public void ReadPdf_MalformedOrUnusualPdf_ReturnsNoneOrATypedRejection(string file, string expected)
    {
        var bytes = SharedData.ReadInvoice("edge/" + file);
        string outcome;
        try
        {
            var invoice = new EInvoiceReader().ReadPdf(bytes);
            outcome = invoice is null ? "none" : "invoice " + invoice.InvoiceId;
        }
        catch (InvalidDocumentException ex)
        {
            outcome = ex.Reason.ToString();
        }

        Assert.Equal(expected, outcome);
    }
}
