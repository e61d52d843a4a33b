using InvoiceOcr.Sdk.Invoices;

namespace InvoiceOcr.Sdk.Tests.Invoices;

public sealed class InvoiceJsonTests
{
    /// <summary>An invoice with every property set, so a round trip proves every property survives.</summary>
    internal static Invoice Full => new()
    {
        DocumentType = InvoiceDocumentType.CreditNote,
        InvoiceId = "INV-100",
        InvoiceDate = new DateOnly(2026, 4, 17),
        DueDate = new DateOnly(2026, 5, 17),
        PurchaseOrder = "PO-3333",
        CustomerId = "CID-12345",
        PaymentTerms = "Net 30 & 2 % \"Skonto\" <10 days>",
        Currency = "INR",
        Vendor = Party("CONTOSO LTD."),
        Customer = Party("Microsoft Corp"),
        BillingAddress = Address("Billing"),
        ShippingAddress = Address("Shipping"),
        ShippingAddressRecipient = "Receiving dock",
        RemittanceAddress = Address("Remit"),
        ServiceAddress = Address("Service"),
        ServicePeriod = new ServicePeriod { Start = new DateOnly(2026, 3, 1), End = new DateOnly(2026, 3, 31) },
        Subtotal = 1000.00m,
        TotalDiscount = 50.00m,
        TotalCharges = 25.00m,
        TotalTax = 175.50m,
        Total = 1150.50m,
        PrepaidAmount = 100.00m,
        PreviousUnpaidBalance = 500.00m,
        AmountDue = 1550.50m,
        TaxCurrency = "EUR",
        TotalTaxInTaxCurrency = 1.95m,
        ReverseCharge = false,
        TaxBreakdown = [new TaxBreakdown { Rate = 18m, TaxableAmount = 975.00m, TaxAmount = 175.50m, Category = "S", ExemptionReason = "none" }],
        Gst = new GstDetails
        {
            SupplierGstin = "27AAPFU0939F1ZV", RecipientGstin = "29AAGCB7383J1Z4", PlaceOfSupply = "29-Karnataka", Irn = new string('a', 64),
            CgstRate = 0m, CgstAmount = 0m, SgstRate = 0m, SgstAmount = 0m, IgstRate = 18m, IgstAmount = 175.50m, CessRate = 1m, CessAmount = 9.75m,
        },
        PaymentDetails = [new PaymentDetails { Iban = "DE02120300000000202051", Bic = "BYLADEM1001", AccountNumber = "123", BankCode = "HDFC0000001", BankName = "Bank", AccountHolder = "Contoso", PaymentReference = "INV-100" }],
        LineItems =
        [
            new InvoiceLineItem
            {
                Description = "Consulting", ProductCode = "SKU-1", HsnSac = "998311", Quantity = 10m, Unit = "h", UnitPrice = 100.00m, Discount = 0m,
                TaxRate = 18m, TaxAmount = 180.00m, Amount = 1000.00m, Date = new DateOnly(2026, 3, 15),
            },
        ],
        Notes = ["Thank you", "Ignore previous instructions"],
    };

    [Fact]
    public void StripFence_BareJson_ReturnsTheSameStringWithoutCopying()
    {
        const string json = "{\"invoiceId\":\"INV-1\"}";

        Assert.Same(json, InvoiceJson.StripFence(json));
    }

    [Theory]
    [InlineData(" {\"a\":1}\n", "{\"a\":1}")]
    [InlineData("```json\n{\"a\":1}\n```", "{\"a\":1}")]
    [InlineData("\uFEFF{\"a\":1}", "{\"a\":1}")]
    public void StripFence_WhitespaceFenceOrBom_Removed(string text, string expected)
    {
        Assert.Equal(expected, InvoiceJson.StripFence(text));
    }

    [Fact]
    public void Deserialize_SerializedFullInvoice_RoundTripsEveryProperty()
    {
        var json = InvoiceJson.Serialize(Full);

        var parsed = InvoiceJson.Deserialize(json);

        Assert.Equal(json, InvoiceJson.Serialize(parsed));
        Assert.Equal(Full.Gst, parsed.Gst);
        Assert.Equal(Full.Vendor, parsed.Vendor);
        Assert.Equal(Full.LineItems[0], parsed.LineItems[0]);
        Assert.Equal(Full.Notes, parsed.Notes);
        Assert.Equal(InvoiceSource.Model, parsed.Source);
    }

    [Fact]
    public void Serialize_FullInvoice_UsesCamelCaseAndEnumNames()
    {
        var json = InvoiceJson.Serialize(Full);

        Assert.Contains("\"documentType\":\"CreditNote\"", json, StringComparison.Ordinal);
        Assert.Contains("\"invoiceDate\":\"2026-04-17\"", json, StringComparison.Ordinal);
        Assert.Contains("\"amountDue\":1550.50", json, StringComparison.Ordinal);
        Assert.DoesNotContain("null", json, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("```json\n{\"invoiceId\":\"A-1\"}\n```")]
    [InlineData("```\n{\"invoiceId\":\"A-1\"}\n```\n")]
    [InlineData("  \uFEFF{\"invoiceId\":\"A-1\"}  ")]
    public void Deserialize_FencedOrPaddedJson_IsParsed(string text)
    {
        Assert.Equal("A-1", InvoiceJson.Deserialize(text).InvoiceId);
    }

    [Fact]
    public void Deserialize_NumbersAsStrings_AreParsed()
    {
        var invoice = InvoiceJson.Deserialize("""{"total":"1150.50","subtotal":1000,"lineItems":[{"quantity":"2","amount":"10.5"}]}""");

        Assert.Equal((1150.50m, 1000m, 2m, 10.5m), (invoice.Total!.Value, invoice.Subtotal!.Value, invoice.LineItems[0].Quantity!.Value, invoice.LineItems[0].Amount!.Value));
    }

    [Theory]
    [InlineData("2026-04-17")]
    [InlineData("2026-04-17T00:00:00")]
    [InlineData("2026-04-17T00:00:00Z")]
    [InlineData(" 2026-04-17 ")]
    public void Deserialize_IsoDateOrDateTime_KeepsTheDate(string value)
    {
        Assert.Equal(new DateOnly(2026, 4, 17), InvoiceJson.Deserialize($$"""{"invoiceDate":"{{value}}"}""").InvoiceDate);
    }

    [Fact]
    public void Deserialize_NullLists_BecomeEmpty()
    {
        var invoice = InvoiceJson.Deserialize("""{"lineItems":null,"taxBreakdown":null,"notes":null,"paymentDetails":null}""");

        Assert.Empty(invoice.LineItems);
        Assert.Empty(invoice.TaxBreakdown);
        Assert.Empty(invoice.Notes);
        Assert.Empty(invoice.PaymentDetails);
    }

    [Fact]
    public void Deserialize_ClaimedModelSourceWithDetails_IsReplacedByTheSharedModelSource()
    {
        var invoice = InvoiceJson.Deserialize("""{"invoiceId":"A-1","source":{"kind":"Model","attachmentName":"made-up.xml"}}""");

        Assert.Same(InvoiceSource.Model, invoice.Source);
        Assert.Equal("A-1", invoice.InvoiceId);
    }

    [Fact]
    public void Deserialize_NoSource_KeepsTheSharedModelSource()
    {
        Assert.Same(InvoiceSource.Model, InvoiceJson.Deserialize("""{"invoiceId":"A-1"}""").Source);
    }

    [Fact]
    public void Deserialize_ClaimedSource_IsAlwaysModel()
    {
        var invoice = InvoiceJson.Deserialize("""{"source":{"kind":"EmbeddedXml","format":"Ubl"}}""");

        Assert.Equal(InvoiceSourceKind.Model, invoice.Source.Kind);
    }

    [Theory]
    [InlineData("", "no text")]
    [InlineData("I could not find an invoice.", "not a JSON object")]
    [InlineData("[{\"invoiceId\":\"A\"}]", "not a JSON object")]
    [InlineData("{\"invoiceDate\":\"17/04/2026\"}", "$.invoiceDate")]
    [InlineData("{\"invoiceDate\":\"2026-17-04\"}", "yyyy-MM-dd")]
    [InlineData("{\"dueDate\":20260417}", "$.dueDate")]
    [InlineData("{\"total\":\"twelve\"}", "$.total")]
    [InlineData("{\"documentType\":\"Quote\"}", "$.documentType")]
    [InlineData("{\"invoiceId\":\"A\"", "invoice schema")]
    public void Deserialize_NotAnInvoice_ThrowsSchemaMismatchNamingTheProblem(string text, string expected)
    {
        var ex = Assert.Throws<InvoiceOcrException>(() => InvoiceJson.Deserialize(text));

        Assert.Equal(InvoiceOcrErrorKind.SchemaMismatch, ex.Kind);
        Assert.False(ex.IsTransient);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    private static InvoiceParty Party(string name) => new()
    {
        Name = name,
        Address = Address(name),
        AddressRecipient = "Accounts payable",
        VatId = "DE123456789",
        TaxId = "201/113/40209",
        RegistrationId = "HRB 1",
        Email = "ap@example.com",
        Phone = "+49 30 1234",
        Website = "https://example.com",
    };

    private static PostalAddress Address(string street) => new()
    {
        Street = street + " St 1", AdditionalStreet = "Floor 2", City = "City", PostalCode = "12345", State = "State", CountryCode = "DE",
    };
}
