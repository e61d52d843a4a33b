using System.Text;
using InvoiceOcr.Sdk.Invoices;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Sdk.Tests.EInvoices;

public sealed class EInvoiceReaderTests
{
    private readonly EInvoiceReader _reader = new();

    /// <summary>Every hybrid PDF of the corpus with the XML pulled out of it by pdfdetach.</summary>
    public static TheoryData<string, string> HybridPdfs => new()
    {
        { "zugferd/EN16931_Einfach.pdf", "zugferd/embedded/EN16931_Einfach/factur-x.xml" },
        { "zugferd/EN16931_Gutschrift.pdf", "zugferd/embedded/EN16931_Gutschrift/factur-x.xml" },
        { "zugferd/EN16931_Rabatte.pdf", "zugferd/embedded/EN16931_Rabatte/factur-x.xml" },
        { "zugferd/EN16931_Innergemeinschaftliche_Lieferungen.pdf", "zugferd/embedded/EN16931_Innergemeinschaftliche_Lieferungen/factur-x.xml" },
        { "zugferd/EN16931_Miete.pdf", "zugferd/embedded/EN16931_Miete/factur-x.xml" },
        { "zugferd/EN16931_Reisekostenabrechnung.pdf", "zugferd/embedded/EN16931_Reisekostenabrechnung/factur-x.xml" },
        { "zugferd/XRECHNUNG_Einfach.pdf", "zugferd/embedded/XRECHNUNG_Einfach/xrechnung.xml" },
        { "zugferd/Facture_FR_BASICWL.pdf", "zugferd/embedded/Facture_FR_BASICWL/factur-x.xml" },
        { "zugferd/Avoir_FR_type381_BASIC.pdf", "zugferd/embedded/Avoir_FR_type381_BASIC/factur-x.xml" },
        { "zugferd/Facture_UE_MINIMUM.pdf", "zugferd/embedded/Facture_UE_MINIMUM/factur-x.xml" },
        { "zugferd/MustangGnuaccountingBeispielRE-20201121_508.pdf", "zugferd/embedded/MustangGnuaccountingBeispielRE-20201121_508/factur-x.xml" },
        { "zugferd/acme_invoice-42_ZUGFeRD.pdf", "zugferd/embedded/acme_invoice-42_ZUGFeRD/ZUGFeRD-invoice.xml" },
        { "zugferd/zugferd_2p0_EXTENDED_Fremdwaehrung.pdf", "zugferd/embedded/zugferd_2p0_EXTENDED_Fremdwaehrung/zugferd-invoice.xml" },
        { "mustang/103767-Invoice-2026-03-24-1.pdf", "mustang/embedded/103767-Invoice-2026-03-24-1/factur-x.xml" },
        { "mustang/Facture_F20180027.pdf", "mustang/embedded/Facture_F20180027/factur-x.xml" },
        { "invoice2data/AzureInterior.pdf", "invoice2data/embedded/AzureInterior/UBL-Invoice-2.1.xml" },
    };

    /// <summary>Key values of every hybrid PDF, read by hand from its embedded XML.</summary>
    public static TheoryData<ExpectedHeader> Headers => new()
    {
        new ExpectedHeader("zugferd/EN16931_Einfach.pdf", InvoiceDocumentType.Invoice, "471102", "2018-03-05", "EUR", "Lieferant GmbH", "DE123456789", "Kunden AG Mitte", null, 473.00m, 56.87m, 529.87m, 529.87m, 2, 2, EInvoiceFormat.FacturX),
        new ExpectedHeader("zugferd/EN16931_Gutschrift.pdf", InvoiceDocumentType.SelfBilledInvoice, "471102", "2018-03-05", "EUR", "Lieferant GmbH", "DE123456789", "Kunden AG Mitte", "DE136695976", 473.00m, 56.87m, 529.87m, 529.87m, 2, 2, EInvoiceFormat.FacturX),
        new ExpectedHeader("zugferd/EN16931_Rabatte.pdf", InvoiceDocumentType.Invoice, "471102", "2018-06-05", "EUR", "Lieferant GmbH", "DE123456789", "Kunden AG Mitte", null, 202.70m, 21.30m, 215.07m, 165.07m, 4, 2, EInvoiceFormat.FacturX),
        new ExpectedHeader("zugferd/EN16931_Innergemeinschaftliche_Lieferungen.pdf", InvoiceDocumentType.SelfBilledInvoice, "47110818", "2018-10-31", "EUR", "Global Supplies Ltd.", "GB123456789", "Metallbau Leipzig GmbH & Co. KG", "DE123456789", 2000.00m, 0.00m, 2000.00m, 2000.00m, 2, 1, EInvoiceFormat.FacturX),
        new ExpectedHeader("zugferd/EN16931_Miete.pdf", InvoiceDocumentType.Invoice, "9314110911/00/M/00/N", "2018-10-01", "EUR", "MUSTER-Autovermietung", "DE136695976", "MUSTER-KUNDE GMBH", null, 286.52m, 54.44m, 340.96m, 340.96m, 6, 1, EInvoiceFormat.FacturX),
        new ExpectedHeader("zugferd/EN16931_Reisekostenabrechnung.pdf", InvoiceDocumentType.Invoice, "280081", "2018-07-13", "EUR", "Lieferant GmbH", "DE123456789", "Kunden AG Mitte", null, 214.09m, 16.39m, 230.48m, 230.48m, 4, 2, EInvoiceFormat.FacturX),
        new ExpectedHeader("zugferd/XRECHNUNG_Einfach.pdf", InvoiceDocumentType.Invoice, "471102", "2018-03-05", "EUR", "Lieferant GmbH", "DE123456789", "Kunden AG Mitte", null, 473.00m, 56.87m, 529.87m, 529.87m, 2, 2, EInvoiceFormat.XRechnungCii),
        new ExpectedHeader("zugferd/Facture_FR_BASICWL.pdf", InvoiceDocumentType.Invoice, "FA-2017-0010", "2017-11-13", "EUR", "Au bon moulin", "FR11999999998", "Ma jolie boutique", "FR19787878784", 624.90m, 46.25m, 671.15m, 470.15m, 0, 2, EInvoiceFormat.FacturX),
        new ExpectedHeader("zugferd/Avoir_FR_type381_BASIC.pdf", InvoiceDocumentType.CreditNote, "AV-2017-0005", "2017-11-16", "EUR", "Au bon moulin", "FR11999999998", "Ma jolie boutique", "FR19787878784", 218.48m, 14.99m, 233.47m, 233.47m, 2, 2, EInvoiceFormat.FacturX),
        new ExpectedHeader("zugferd/Facture_UE_MINIMUM.pdf", InvoiceDocumentType.Invoice, "FA-2017-0008", "2017-11-03", "EUR", "Au bon moulin", "FR11999999998", "Me gusta olive", "ESA12345674", null, 0.00m, 2076.76m, 1453.76m, 0, 0, EInvoiceFormat.FacturX),
        new ExpectedHeader("zugferd/MustangGnuaccountingBeispielRE-20201121_508.pdf", InvoiceDocumentType.Invoice, "RE-20201121/508", "2020-11-21", "EUR", "Bei Spiel GmbH", "DE136695976", "Theodor Est", null, 496.00m, 75.04m, 571.04m, 571.04m, 3, 2, EInvoiceFormat.FacturX),
        new ExpectedHeader("zugferd/acme_invoice-42_ZUGFeRD.pdf", InvoiceDocumentType.Invoice, "20131122-42", "2014-11-08", "EUR", "Seller Inc.", null, "Buyer Inc.", null, 100m, 19m, 119m, null, 1, 0, EInvoiceFormat.ZugferdV1),
        new ExpectedHeader("zugferd/zugferd_2p0_EXTENDED_Fremdwaehrung.pdf", InvoiceDocumentType.Invoice, "47110815", "2018-10-31", "GBP", "Rohstoff AG Salzgitter", "DE123456789", "Metallbau Leipzig GmbH & Co. KG", null, 850m, 163.16m, 1021.91m, 521.91m, 1, 1, EInvoiceFormat.FacturX),
        new ExpectedHeader("mustang/103767-Invoice-2026-03-24-1.pdf", InvoiceDocumentType.Invoice, "103767", "2026-02-17", "EUR", "CRONUS DE", "DE777777777", "Adatum Corporation", "DE789456278", 573.00m, 108.87m, 681.87m, 681.87m, 1, 1, EInvoiceFormat.FacturX),
        new ExpectedHeader("mustang/Facture_F20180027.pdf", InvoiceDocumentType.Invoice, "F20180027", "2018-12-31", "EUR", "LE FOURNISSEUR", "FR32123456789", "LE CLIENT", "FR 05 987 654 321", 95.00m, 10.00m, 110.00m, 100.00m, 3, 1, EInvoiceFormat.FacturX),
        new ExpectedHeader("invoice2data/AzureInterior.pdf", InvoiceDocumentType.Invoice, "INV/2023/03/0008", "2023-03-20", "USD", "Azure Interior", null, "Mitchell Admin", null, 262.90m, 16.94m, 279.84m, 279.84m, 7, 1, EInvoiceFormat.Ubl),
    };

    [Theory]
    [MemberData(nameof(HybridPdfs))]
    public void ReadPdf_HybridPdf_EqualsTheEmbeddedXml(string pdf, string xml)
    {
        var fromPdf = _reader.ReadPdf(SharedData.ReadInvoice(pdf));
        using var stream = File.OpenRead(SharedData.Invoice(xml));
        var fromXml = _reader.ReadXml(stream, Path.GetFileName(xml));

        Assert.NotNull(fromPdf);
        Assert.Equal(InvoiceSourceKind.EmbeddedXml, fromPdf.Source.Kind);
        Assert.Equal(Path.GetFileName(xml), fromPdf.Source.AttachmentName);
        Assert.Equal(InvoiceJson.Serialize(fromXml, indented: true), InvoiceJson.Serialize(fromPdf, indented: true));
    }

    [Theory]
    [MemberData(nameof(Headers))]
    public void ReadPdf_HybridPdf_ReadsTheXmlValues(ExpectedHeader expected)
    {
        var invoice = _reader.ReadPdf(SharedData.ReadInvoice(expected.Pdf));

        Assert.NotNull(invoice);
        Assert.Equal(expected.Type, invoice.DocumentType);
        Assert.Equal(expected.Id, invoice.InvoiceId);
        Assert.Equal(DateOnly.Parse(expected.Date, System.Globalization.CultureInfo.InvariantCulture), invoice.InvoiceDate);
        Assert.Equal(expected.Currency, invoice.Currency);
        Assert.Equal(expected.Vendor, invoice.Vendor?.Name);
        Assert.Equal(expected.VendorVatId, invoice.Vendor?.VatId);
        Assert.Equal(expected.Customer, invoice.Customer?.Name);
        Assert.Equal(expected.CustomerVatId, invoice.Customer?.VatId);
        Assert.Equal(expected.Subtotal, invoice.Subtotal);
        Assert.Equal(expected.TotalTax, invoice.TotalTax);
        Assert.Equal(expected.Total, invoice.Total);
        Assert.Equal(expected.AmountDue, invoice.AmountDue);
        Assert.Equal(expected.Lines, invoice.LineItems.Count);
        Assert.Equal(expected.TaxRates, invoice.TaxBreakdown.Count);
        Assert.Equal(expected.Format, invoice.Source.Format);
    }

    [Fact]
    public void ReadPdf_Einfach_ReadsLinesAndTaxBreakdown()
    {
        var invoice = Read("zugferd/EN16931_Einfach.pdf");

        Assert.Collection(
            invoice.LineItems,
            l =>
            {
                Assert.Equal("Trennblätter A4", l.Description);
                Assert.Equal("TB100A4", l.ProductCode);
                Assert.Equal(20m, l.Quantity);
                Assert.Equal("H87", l.Unit);
                Assert.Equal(9.90m, l.UnitPrice);
                Assert.Equal(19m, l.TaxRate);
                Assert.Equal(198.00m, l.Amount);
            },
            l =>
            {
                Assert.Equal("Joghurt Banane", l.Description);
                Assert.Equal(50m, l.Quantity);
                Assert.Equal(5.50m, l.UnitPrice);
                Assert.Equal(7m, l.TaxRate);
                Assert.Equal(275.00m, l.Amount);
            });
        Assert.Collection(
            invoice.TaxBreakdown,
            t => Assert.Equal((7m, 275.00m, 19.25m, "S"), (t.Rate!.Value, t.TaxableAmount!.Value, t.TaxAmount!.Value, t.Category)),
            t => Assert.Equal((19m, 198.00m, 37.62m, "S"), (t.Rate!.Value, t.TaxableAmount!.Value, t.TaxAmount!.Value, t.Category)));
        Assert.Equal("201/113/40209", invoice.Vendor!.TaxId);
        Assert.Equal(new PostalAddress { Street = "Lieferantenstraße 20", City = "München", PostalCode = "80333", CountryCode = "DE" }, invoice.Vendor.Address);
        Assert.Equal("GE2020211", invoice.CustomerId);
        Assert.Equal("Zahlbar innerhalb 30 Tagen netto bis 04.04.2018, 3% Skonto innerhalb 10 Tagen bis 15.03.2018", invoice.PaymentTerms);
        Assert.False(invoice.ReverseCharge);
        Assert.Equal("urn:cen.eu:en16931:2017", invoice.Source.Profile);
    }

    [Fact]
    public void ReadPdf_Fremdwaehrung_KeepsInvoiceAndVatCurrencies()
    {
        var invoice = Read("zugferd/zugferd_2p0_EXTENDED_Fremdwaehrung.pdf");

        Assert.Equal("GBP", invoice.Currency);
        Assert.Equal("EUR", invoice.TaxCurrency);
        Assert.Equal(163.16m, invoice.TotalTax);
        Assert.Equal(183.14m, invoice.TotalTaxInTaxCurrency);
        Assert.Equal(30m, invoice.TotalCharges);
        Assert.Equal(21.25m, invoice.TotalDiscount);
        Assert.Equal(500m, invoice.PrepaidAmount);
        Assert.Equal(new DateOnly(2018, 11, 20), invoice.DueDate);
        Assert.Equal(new ServicePeriod { Start = new DateOnly(2018, 10, 1), End = new DateOnly(2018, 10, 31) }, invoice.ServicePeriod);
        Assert.Equal("DE12 1234 4321 9876 00", Assert.Single(invoice.PaymentDetails).Iban);
        var line = Assert.Single(invoice.LineItems);
        Assert.Equal(("Stahlcoil", 10m, 100m, 150m, 850m), (line.Description, line.Quantity!.Value, line.UnitPrice!.Value, line.Discount!.Value, line.Amount!.Value));
    }

    [Fact]
    public void ReadPdf_AcmeXmlDisagreesWithPage_ReturnsTheLegallyIssuedXmlValues()
    {
        // The page shows "Rechnung Nr. 42", Acme GmbH, 31.01.2014, 1.589,80 EUR; the XML is what the seller issued.
        var invoice = Read("zugferd/acme_invoice-42_ZUGFeRD.pdf");

        Assert.Equal("20131122-42", invoice.InvoiceId);
        Assert.Equal("Seller Inc.", invoice.Vendor!.Name);
        Assert.Equal(new DateOnly(2014, 11, 8), invoice.InvoiceDate);
        Assert.Equal(119m, invoice.Total);
        Assert.Equal("EUR", invoice.Currency);
        Assert.Equal(EInvoiceFormat.ZugferdV1, invoice.Source.Format);
        Assert.Equal("urn:ferd:CrossIndustryDocument:invoice:1p0:basic", invoice.Source.Profile);
        Assert.Equal("DE122...", invoice.Vendor.TaxId);
        Assert.Equal("München", invoice.Vendor.Address!.City);
        var line = Assert.Single(invoice.LineItems);
        Assert.Equal(("Saddle", 1m, "C62"), (line.Description, line.Quantity!.Value, line.Unit));
    }

    [Fact]
    public void ReadPdf_MinimumProfileWithUsDates_ReadsNovemberThirdAndNoLines()
    {
        var invoice = Read("zugferd/Facture_UE_MINIMUM.pdf");

        Assert.Equal(new DateOnly(2017, 11, 3), invoice.InvoiceDate);
        Assert.Empty(invoice.LineItems);
        Assert.Equal("COMPRA0832", invoice.PurchaseOrder);
        Assert.Contains("minimum", invoice.Source.Profile, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void ReadPdf_BasicWl_HasNoLinesButThePrepayment()
    {
        var invoice = Read("zugferd/Facture_FR_BASICWL.pdf");

        Assert.Empty(invoice.LineItems);
        Assert.Equal(201.00m, invoice.PrepaidAmount);
        Assert.Equal(new DateOnly(2017, 12, 13), invoice.DueDate);
        Assert.Equal("FR2012421242124212421242124", Assert.Single(invoice.PaymentDetails).Iban);
    }

    [Fact]
    public void ReadPdf_Gutschrift_IsSelfBilledNotCreditNote()
    {
        Assert.Equal(InvoiceDocumentType.SelfBilledInvoice, Read("zugferd/EN16931_Gutschrift.pdf").DocumentType);
        Assert.Equal(InvoiceDocumentType.CreditNote, Read("zugferd/Avoir_FR_type381_BASIC.pdf").DocumentType);
    }

    [Fact]
    public void ReadPdf_Rabatte_ReadsAllowancesChargesAndPrepayment()
    {
        var invoice = Read("zugferd/EN16931_Rabatte.pdf");

        Assert.Equal(14.73m, invoice.TotalDiscount);
        Assert.Equal(5.80m, invoice.TotalCharges);
        Assert.Equal(50.00m, invoice.PrepaidAmount);
        Assert.Equal("2013-471331", invoice.PurchaseOrder);
        Assert.Equal(("Kunstrasen grün 3m breit", 3m, 10.00m), (invoice.LineItems[0].Description, invoice.LineItems[0].Quantity!.Value, invoice.LineItems[0].Amount!.Value));
    }

    [Fact]
    public void ReadPdf_IntraCommunitySupply_ReadsCategoryKAndBothVatIds()
    {
        var invoice = Read("zugferd/EN16931_Innergemeinschaftliche_Lieferungen.pdf");

        var tax = Assert.Single(invoice.TaxBreakdown);
        Assert.Equal(("K", 0m, 2000m, 0m), (tax.Category, tax.Rate!.Value, tax.TaxableAmount!.Value, tax.TaxAmount!.Value));
        Assert.Equal("GB123456789", invoice.Vendor!.VatId);
        Assert.Equal("DE123456789", invoice.Customer!.VatId);
        Assert.False(invoice.ReverseCharge);
    }

    [Fact]
    public void ReadPdf_XRechnung_ReadsPaymentAccount()
    {
        var invoice = Read("zugferd/XRECHNUNG_Einfach.pdf");

        var payment = Assert.Single(invoice.PaymentDetails);
        Assert.Equal(("DE02120300000000202051", "BYLADEM1001"), (payment.Iban, payment.Bic));
        Assert.Equal("xrechnung.xml", invoice.Source.AttachmentName);
    }

    [Fact]
    public void ReadPdf_MustangBusinessCentral_ReadsContactsPeriodAndDueDate()
    {
        var invoice = Read("mustang/103767-Invoice-2026-03-24-1.pdf");

        Assert.Equal("info@cronus.com", invoice.Vendor!.Email);
        Assert.Equal("Benrath", invoice.Vendor.Address!.AdditionalStreet);
        Assert.Equal(new DateOnly(2026, 3, 3), invoice.DueDate);
        Assert.Equal("Adatum Corporation", invoice.ShippingAddressRecipient);
        Assert.Equal("Düsseldorf", invoice.ShippingAddress!.City);
        Assert.Equal(("LONDON Schreibtischstuhl, blau", 191.00000m, 573.00m), (invoice.LineItems[0].Description, invoice.LineItems[0].UnitPrice!.Value, invoice.LineItems[0].Amount!.Value));
    }

    [Fact]
    public void ReadPdf_FactureF20180027_ReadsChargesAllowancesAndOrder()
    {
        var invoice = Read("mustang/Facture_F20180027.pdf");

        Assert.Equal(("PO201925478", 5.00m, 10.00m, 10.00m), (invoice.PurchaseOrder, invoice.TotalDiscount!.Value, invoice.TotalCharges!.Value, invoice.PrepaidAmount!.Value));
        Assert.Equal(new DateOnly(2019, 1, 30), invoice.DueDate);
        Assert.Equal("FR76 1254 2547 2569 8542 5874 698", Assert.Single(invoice.PaymentDetails).Iban);
    }

    [Fact]
    public void ReadPdf_AzureInteriorUbl_ReadsPartiesLinesAndTax()
    {
        var invoice = Read("invoice2data/AzureInterior.pdf");

        Assert.Equal(new DateOnly(2023, 4, 4), invoice.DueDate);
        Assert.Equal("15 Days", invoice.PaymentTerms);
        Assert.Equal("http://www.azure-interior.com", invoice.Vendor!.Website);
        Assert.Equal("azure.Interior24@example.com", invoice.Vendor.Email);
        Assert.Equal(new PostalAddress { Street = "4557 De Silva St", City = "Fremont", PostalCode = "94538", State = "California", CountryCode = "US" }, invoice.Vendor.Address);
        var tax = Assert.Single(invoice.TaxBreakdown);
        Assert.Equal((15.0m, 112.90m, 16.94m, "H"), (tax.Rate!.Value, tax.TaxableAmount!.Value, tax.TaxAmount!.Value, tax.Category));
        var beeswax = invoice.LineItems[1];
        Assert.Equal(("Beeswax XL", "17589684", 1.00m, "KGM", 42.00m, 15.0m, 6.30m, 42.00m), (beeswax.Description, beeswax.ProductCode, beeswax.Quantity!.Value, beeswax.Unit, beeswax.UnitPrice!.Value, beeswax.TaxRate!.Value, beeswax.TaxAmount!.Value, beeswax.Amount!.Value));

        // Odoo writes BaseQuantity = billed quantity; the unit price that reproduces the line amount (10 × 15 = 150) wins.
        var truffles = invoice.LineItems[5];
        Assert.Equal(("Luxury Truffles", 15.00m, 10.00m, 150.00m), (truffles.Description, truffles.Quantity!.Value, truffles.UnitPrice!.Value, truffles.Amount!.Value));
    }

    [Fact]
    public void ReadPdf_UnstructuredHetznerInvoice_ReturnsNone()
    {
        Assert.Null(_reader.ReadPdf(SharedData.ReadInvoice("zugferd/RE-E-974-Hetzner_2016-01-19_R0005532486.pdf")));
    }

    [Theory]
    [InlineData("invoice2data/AmazonWebServices.pdf")]
    [InlineData("invoice2data/oyo.pdf")]
    [InlineData("pdfpig/LKR824191.pdf")]
    public void ReadPdf_PlainPdf_ReturnsNone(string pdf)
    {
        Assert.Null(_reader.ReadPdf(SharedData.ReadInvoice(pdf)));
    }

    [Fact]
    public void ReadPdf_EmptyBytes_ThrowsEmpty()
    {
        var ex = Assert.Throws<InvalidDocumentException>(() => _reader.ReadPdf([]));
        Assert.Equal(DocumentRejectionReason.Empty, ex.Reason);
    }

    [Fact]
    public void ReadPdf_TruncatedPdf_ThrowsDamaged()
    {
        var ex = Assert.Throws<InvalidDocumentException>(() => _reader.ReadPdf(SharedData.ReadInvoice("edge/corrupt-factur-x-waytoosmall.pdf")));
        Assert.Equal(DocumentRejectionReason.Damaged, ex.Reason);
    }

    [Fact]
    public void ReadPdf_UserPasswordPdf_ThrowsPasswordProtected()
    {
        var ex = Assert.Throws<InvalidDocumentException>(() => _reader.ReadPdf(SharedData.ReadInvoice("edge/encrypted-password-is-password.pdf")));
        Assert.Equal(DocumentRejectionReason.PasswordProtected, ex.Reason);
    }

    [Fact]
    public void ReadXml_DocumentTypeDeclaration_IsRejectedWithoutResolvingEntities()
    {
        const string xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE r [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>
            <rsm:CrossIndustryInvoice xmlns:rsm="urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100">&x;</rsm:CrossIndustryInvoice>
            """;

        var ex = Assert.Throws<InvalidDocumentException>(() => _reader.ReadXml(new MemoryStream(Encoding.UTF8.GetBytes(xxe)), "factur-x.xml"));
        Assert.Equal(DocumentRejectionReason.Damaged, ex.Reason);
        Assert.Contains("DTD", ex.Message, StringComparison.Ordinal);
        Assert.Equal("factur-x.xml", ex.FileName);
    }

    [Fact]
    public void ReadXml_MalformedXml_ThrowsDamaged()
    {
        var ex = Assert.Throws<InvalidDocumentException>(() => _reader.ReadXml(new MemoryStream("<a><b></a>"u8.ToArray())));
        Assert.Equal(DocumentRejectionReason.Damaged, ex.Reason);
    }

    [Fact]
    public void ReadXml_XmlThatIsNoInvoice_ThrowsUnsupportedType()
    {
        var ex = Assert.Throws<InvalidDocumentException>(() => _reader.ReadXml(new MemoryStream("<order xmlns=\"urn:example\"/>"u8.ToArray()), "order.xml"));
        Assert.Equal(DocumentRejectionReason.UnsupportedType, ex.Reason);
        Assert.Contains("order", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadXml_UblCreditNote_MapsCreditNoteLinesAndType()
    {
        const string xml = """
            <CreditNote xmlns="urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
                        xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
                        xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
              <cbc:CustomizationID>urn:cen.eu:en16931:2017</cbc:CustomizationID>
              <cbc:ID>CN-7</cbc:ID>
              <cbc:IssueDate>2024-02-29</cbc:IssueDate>
              <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
              <cac:AccountingSupplierParty><cac:Party>
                <cac:PartyTaxScheme><cbc:CompanyID>NL123456789B01</cbc:CompanyID><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>
                <cac:PartyLegalEntity><cbc:RegistrationName>Leverancier BV</cbc:RegistrationName></cac:PartyLegalEntity>
              </cac:Party></cac:AccountingSupplierParty>
              <cac:PaymentMeans><cbc:PaymentMeansCode>58</cbc:PaymentMeansCode><cac:PayeeFinancialAccount><cbc:ID>NL91ABNA0417164300</cbc:ID></cac:PayeeFinancialAccount></cac:PaymentMeans>
              <cac:TaxTotal><cbc:TaxAmount currencyID="EUR">2.10</cbc:TaxAmount>
                <cac:TaxSubtotal><cbc:TaxableAmount currencyID="EUR">10.00</cbc:TaxableAmount><cbc:TaxAmount currencyID="EUR">2.10</cbc:TaxAmount>
                  <cac:TaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>21</cbc:Percent><cac:TaxScheme><cbc:ID>VAT</cbc:ID></cac:TaxScheme></cac:TaxCategory></cac:TaxSubtotal></cac:TaxTotal>
              <cac:LegalMonetaryTotal><cbc:LineExtensionAmount currencyID="EUR">10.00</cbc:LineExtensionAmount><cbc:TaxInclusiveAmount currencyID="EUR">12.10</cbc:TaxInclusiveAmount><cbc:PayableAmount currencyID="EUR">12.10</cbc:PayableAmount></cac:LegalMonetaryTotal>
              <cac:CreditNoteLine><cbc:ID>1</cbc:ID><cbc:CreditedQuantity unitCode="H87">2</cbc:CreditedQuantity><cbc:LineExtensionAmount currencyID="EUR">10.00</cbc:LineExtensionAmount>
                <cac:Item><cbc:Name>Returned widget</cbc:Name><cac:ClassifiedTaxCategory><cbc:ID>S</cbc:ID><cbc:Percent>21</cbc:Percent></cac:ClassifiedTaxCategory></cac:Item>
                <cac:Price><cbc:PriceAmount currencyID="EUR">5.00</cbc:PriceAmount></cac:Price></cac:CreditNoteLine>
            </CreditNote>
            """;

        var invoice = _reader.ReadXml(new MemoryStream(Encoding.UTF8.GetBytes(xml)), "UBL-CreditNote.xml");

        Assert.Equal(InvoiceDocumentType.CreditNote, invoice.DocumentType);
        Assert.Equal(("CN-7", new DateOnly(2024, 2, 29), "Leverancier BV", "NL123456789B01"), (invoice.InvoiceId, invoice.InvoiceDate!.Value, invoice.Vendor!.Name, invoice.Vendor.VatId));
        Assert.Equal("NL91ABNA0417164300", Assert.Single(invoice.PaymentDetails).Iban);
        var line = Assert.Single(invoice.LineItems);
        Assert.Equal(("Returned widget", 2m, 5.00m, 21m, 10.00m), (line.Description, line.Quantity!.Value, line.UnitPrice!.Value, line.TaxRate!.Value, line.Amount!.Value));
        Assert.Equal((12.10m, 2.10m), (invoice.Total!.Value, invoice.TotalTax!.Value));
        Assert.Equal(EInvoiceFormat.Ubl, invoice.Source.Format);
    }

    private Invoice Read(string pdf) => _reader.ReadPdf(SharedData.ReadInvoice(pdf)) ?? throw new InvalidOperationException($"{pdf} has no embedded invoice.");

    public sealed record ExpectedHeader(
        string Pdf,
        InvoiceDocumentType Type,
        string Id,
        string Date,
        string Currency,
        string Vendor,
        string? VendorVatId,
        string Customer,
        string? CustomerVatId,
        decimal? Subtotal,
        decimal TotalTax,
        decimal Total,
        decimal? AmountDue,
        int Lines,
        int TaxRates,
        EInvoiceFormat Format)
    {
        public override string ToString() => Pdf;
    }
}
