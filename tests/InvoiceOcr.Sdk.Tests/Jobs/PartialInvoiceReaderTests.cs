using InvoiceOcr.Sdk.Jobs;

namespace InvoiceOcr.Sdk.Tests.Jobs;

public sealed class PartialInvoiceReaderTests
{
    [Fact]
    public void TryRead_AnswerCutInsideAString_KeepsTheMembersBeforeIt()
    {
        var invoice = PartialInvoiceReader.TryRead("{\"invoiceId\":\"A-17\",\"currency\":\"EUR\",\"vendor\":{\"name\":\"Lief\\\"erant GmbH\",\"address\":\"Hauptstr");

        Assert.NotNull(invoice);
        Assert.Equal("A-17", invoice.InvoiceId);
        Assert.Equal("EUR", invoice.Currency);
    }

    [Fact]
    public void TryRead_TextWithNoObject_ReturnsNull()
    {
        Assert.Null(PartialInvoiceReader.TryRead("I cannot read this document."));
        Assert.Null(PartialInvoiceReader.TryRead(null));
    }
}
