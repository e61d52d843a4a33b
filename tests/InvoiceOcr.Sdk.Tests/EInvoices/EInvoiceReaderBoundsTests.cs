using System.Text;

namespace InvoiceOcr.Sdk.Tests.EInvoices;

/// <summary>The reader's own bounds on XML: nesting depth, and streams that cannot seek.</summary>
public sealed class EInvoiceReaderBoundsTests
{
    [Fact]
    public void ReadXml_NestedDeeperThan128_RejectedAsDamagedBeforeLoading()
    {
        // Found by the fuzz runner: 50,000 nested elements took seconds to load; the depth check stops at 129.
        var xml = "<rsm:CrossIndustryInvoice xmlns:rsm=\"urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100\">"
            + string.Concat(Enumerable.Repeat("<a>", 50_000)) + string.Concat(Enumerable.Repeat("</a>", 50_000)) + "</rsm:CrossIndustryInvoice>";

        var ex = Assert.Throws<InvalidDocumentException>(() => new EInvoiceReader().ReadXml(new MemoryStream(Encoding.UTF8.GetBytes(xml)), "deep.xml"));

        Assert.Equal(DocumentRejectionReason.Damaged, ex.Reason);
        Assert.Contains("nested more than 128 deep", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadXml_NestedExactly128_IsParsed()
    {
        var xml = "<r>" + string.Concat(Enumerable.Repeat("<a>", 127)) + string.Concat(Enumerable.Repeat("</a>", 127)) + "</r>";

        // Parsed, then refused only because it is neither CII nor UBL.
        var ex = Assert.Throws<InvalidDocumentException>(() => new EInvoiceReader().ReadXml(new MemoryStream(Encoding.UTF8.GetBytes(xml))));

        Assert.Equal(DocumentRejectionReason.UnsupportedType, ex.Reason);
    }

    [Fact]
    public void ReadXml_StreamThatCannotSeek_IsReadLikeAnyOther()
    {
        var xml = Encoding.UTF8.GetBytes("<r/>");

        var ex = Assert.Throws<InvalidDocumentException>(() => new EInvoiceReader().ReadXml(new ForwardOnlyStream(xml)));

        Assert.Equal(DocumentRejectionReason.UnsupportedType, ex.Reason);
        Assert.Contains("root element 'r'", ex.Message, StringComparison.Ordinal);
    }

    private sealed class ForwardOnlyStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        public override bool CanSeek => false;
    }
}
