using System.Text.Json;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.Tests.Validation;

public sealed class InvoiceValidatorTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 6, 0, 0, TimeSpan.Zero);

    private readonly InvoiceValidator _validator = Create(new InvoiceValidationOptions());

    /// <summary>The values of EN16931_Einfach: consistent in every respect.</summary>
    private static Invoice Consistent => new()
    {
        InvoiceId = "471102",
        InvoiceDate = new DateOnly(2018, 3, 5),
        DueDate = new DateOnly(2018, 4, 4),
        Currency = "EUR",
        Vendor = new InvoiceParty { Name = "Lieferant GmbH", VatId = "DE123456789" },
        Customer = new InvoiceParty { Name = "Kunden AG Mitte" },
        LineItems =
        [
            new InvoiceLineItem { Description = "Trennblätter A4", Quantity = 20m, UnitPrice = 9.90m, TaxRate = 19m, Amount = 198.00m },
            new InvoiceLineItem { Description = "Joghurt Banane", Quantity = 50m, UnitPrice = 5.50m, TaxRate = 7m, Amount = 275.00m },
        ],
        TaxBreakdown =
        [
            new TaxBreakdown { Rate = 7m, TaxableAmount = 275.00m, TaxAmount = 19.25m, Category = "S" },
            new TaxBreakdown { Rate = 19m, TaxableAmount = 198.00m, TaxAmount = 37.62m, Category = "S" },
        ],
        Subtotal = 473.00m,
        TotalTax = 56.87m,
        Total = 529.87m,
        AmountDue = 529.87m,
    };

    /// <summary>An intra-state Maharashtra supply at 18 % GST: CGST 9 % + SGST 9 %.</summary>
    private static Invoice GstInvoice => new()
    {
        InvoiceId = "MH/2026/001",
        InvoiceDate = new DateOnly(2026, 4, 17),
        Currency = "INR",
        Vendor = new InvoiceParty { Name = "Supplier Pvt Ltd" },
        Subtotal = 1000m,
        TotalTax = 180m,
        Total = 1180m,
        Gst = new GstDetails
        {
            SupplierGstin = "27AAPFU0939F1ZV",
            RecipientGstin = "27AAPFU0939F1ZV",
            PlaceOfSupply = "27-Maharashtra",
            CgstRate = 9m,
            CgstAmount = 90m,
            SgstRate = 9m,
            SgstAmount = 90m,
        },
    };

    public static TheoryData<string> CorpusEInvoices =>
    [
        "zugferd/EN16931_Einfach.pdf", "zugferd/EN16931_Gutschrift.pdf", "zugferd/EN16931_Rabatte.pdf",
        "zugferd/EN16931_Innergemeinschaftliche_Lieferungen.pdf", "zugferd/EN16931_Miete.pdf",
        "zugferd/EN16931_Reisekostenabrechnung.pdf", "zugferd/XRECHNUNG_Einfach.pdf", "zugferd/Facture_FR_BASICWL.pdf",
        "zugferd/Avoir_FR_type381_BASIC.pdf", "zugferd/MustangGnuaccountingBeispielRE-20201121_508.pdf",
        "zugferd/acme_invoice-42_ZUGFeRD.pdf", "zugferd/zugferd_2p0_EXTENDED_Fremdwaehrung.pdf",
        "mustang/103767-Invoice-2026-03-24-1.pdf", "mustang/Facture_F20180027.pdf", "invoice2data/AzureInterior.pdf",
    ];

    [Fact]
    public void Validate_ConsistentInvoice_HasNoFindings() => Assert.Empty(_validator.Validate(Consistent));

    [Theory]
    [MemberData(nameof(CorpusEInvoices))]
    public void Validate_RealEInvoice_HasNoFindings(string pdf)
    {
        var invoice = new EInvoiceReader().ReadPdf(SharedData.ReadInvoice(pdf))!;

        Assert.Empty(_validator.Validate(invoice));
    }

    [Fact]
    public void Validate_MinimumProfileWithoutPrepaidAmount_ReportsOnlyTheUnexplainedAmountDue()
    {
        // MINIMUM carries no prepaid amount, so 2076.76 due 1453.76 cannot be reconciled from the XML alone.
        var invoice = new EInvoiceReader().ReadPdf(SharedData.ReadInvoice("zugferd/Facture_UE_MINIMUM.pdf"))!;

        var finding = Assert.Single(_validator.Validate(invoice));
        Assert.Equal((InvoiceFindingCodes.AmountDueMismatch, ValidationSeverity.Warning, "amountDue"), (finding.Code, finding.Severity, finding.Path));
        Assert.Contains("1453.76", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_OyoGroundTruthValues_HasNoFindings()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(SharedData.Invoice("invoice2data/oyo.json")));
        var truth = json.RootElement[0];
        var invoice = new Invoice
        {
            DocumentType = InvoiceDocumentType.Receipt,
            InvoiceId = truth.GetProperty("invoice_number").GetString(),
            InvoiceDate = DateOnly.Parse(truth.GetProperty("date").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
            Total = truth.GetProperty("amount").GetDecimal(),
            Currency = truth.GetProperty("currency").GetString(),
            Vendor = new InvoiceParty { Name = truth.GetProperty("issuer").GetString(), RegistrationId = truth.GetProperty("cin").GetString() },
            Gst = new GstDetails { SupplierGstin = truth.GetProperty("gstin").GetString() },
        };

        Assert.Empty(_validator.Validate(invoice));
    }

    [Fact]
    public void Validate_OyoGstinWithOneMisreadCharacter_ReportsTheCheckCharacter()
    {
        var invoice = GstInvoice with { Gst = GstInvoice.Gst! with { SupplierGstin = "06AABCO6063D1ZO" } }; // Q read as O

        var finding = Assert.Single(_validator.Validate(invoice), f => f.Path == "gst.supplierGstin");
        Assert.Equal(InvoiceFindingCodes.GstinInvalidCheckCharacter, finding.Code);
        Assert.Equal(ValidationSeverity.Error, finding.Severity);
    }

    [Fact]
    public void Validate_EverythingRequiredMissing_ReportsEachPath()
    {
        var findings = _validator.Validate(new Invoice());

        Assert.All(findings, f => Assert.Equal((InvoiceFindingCodes.RequiredFieldMissing, ValidationSeverity.Error), (f.Code, f.Severity)));
        Assert.Equal(["invoiceId", "invoiceDate", "total", "vendor.name", "currency"], findings.Select(f => f.Path));
    }

    [Fact]
    public void Validate_BlankVendorName_IsMissing()
    {
        var finding = Assert.Single(_validator.Validate(Consistent with { Vendor = new InvoiceParty { Name = "  " } }));
        Assert.Equal(("vendor.name", InvoiceFindingCodes.RequiredFieldMissing), (finding.Path, finding.Code));
    }

    [Fact]
    public void Validate_LinesDoNotAddUpToSubtotal_ReportsSubtotalMismatch()
    {
        var finding = Assert.Single(_validator.Validate(Consistent with { Subtotal = 483.00m, Total = 539.87m, AmountDue = 539.87m }));

        Assert.Equal((InvoiceFindingCodes.SubtotalMismatch, ValidationSeverity.Warning, "subtotal"), (finding.Code, finding.Severity, finding.Path));
        Assert.Contains("473.00", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RoundingDifferenceWithinTolerance_IsAccepted()
    {
        Assert.Empty(_validator.Validate(Consistent with { Subtotal = 473.03m, Total = 529.90m, AmountDue = 529.90m }));
    }

    [Fact]
    public void Validate_LargerToleranceOption_AcceptsLargerDifferences()
    {
        var lenient = Create(new InvoiceValidationOptions { AmountTolerance = 20m });

        Assert.Empty(lenient.Validate(Consistent with { Subtotal = 483.00m, Total = 539.87m, AmountDue = 539.87m }));
    }

    [Fact]
    public void Validate_TotalDoesNotAddUp_ReportsTotalMismatch()
    {
        var findings = _validator.Validate(Consistent with { Total = 592.87m, AmountDue = 592.87m });

        var finding = Assert.Single(findings);
        Assert.Equal((InvoiceFindingCodes.TotalMismatch, ValidationSeverity.Error, "total"), (finding.Code, finding.Severity, finding.Path));
    }

    [Fact]
    public void Validate_DiscountsAndChargesExplainTheTotal_IsAccepted()
    {
        // zugferd_2p0_EXTENDED_Fremdwaehrung: 850 + 30 − 21.25 + 163.16 = 1021.91, 500 prepaid.
        var invoice = new Invoice
        {
            InvoiceId = "47110815", InvoiceDate = new DateOnly(2018, 10, 31), Currency = "GBP", Vendor = new InvoiceParty { Name = "Rohstoff AG Salzgitter" },
            Subtotal = 850m, TotalCharges = 30m, TotalDiscount = 21.25m, TotalTax = 163.16m, Total = 1021.91m, PrepaidAmount = 500m, AmountDue = 521.91m,
        };

        Assert.Empty(_validator.Validate(invoice));
        Assert.Equal(InvoiceFindingCodes.TotalMismatch, Assert.Single(_validator.Validate(invoice with { TotalDiscount = null })).Code);
    }

    [Fact]
    public void Validate_TotalTaxUnknown_DoesNotGuessZeroTax()
    {
        // free_fiber: net 24.99, total 29.99, the tax amount was not captured.
        var invoice = Consistent with { LineItems = [], TaxBreakdown = [], Subtotal = 24.99m, TotalTax = null, Total = 29.99m, AmountDue = 29.99m };

        Assert.Empty(_validator.Validate(invoice));
    }

    [Fact]
    public void Validate_AmountDueIgnoresPrepayment_ReportsAmountDueMismatch()
    {
        var finding = Assert.Single(_validator.Validate(Consistent with { PrepaidAmount = 100m }));

        Assert.Equal((InvoiceFindingCodes.AmountDueMismatch, "amountDue"), (finding.Code, finding.Path));
    }

    [Fact]
    public void Validate_PreviousBalanceExplainsAmountDue_IsAccepted()
    {
        Assert.Empty(_validator.Validate(Consistent with { PreviousUnpaidBalance = 500m, AmountDue = 1029.87m }));
    }

    [Fact]
    public void Validate_TaxBreakdownDoesNotAddUp_ReportsTaxBreakdownMismatch()
    {
        var finding = Assert.Single(_validator.Validate(Consistent with { TotalTax = 66.87m, Total = 539.87m, AmountDue = 539.87m }));

        Assert.Equal((InvoiceFindingCodes.TaxBreakdownMismatch, ValidationSeverity.Warning, "totalTax"), (finding.Code, finding.Severity, finding.Path));
    }

    [Fact]
    public void Validate_TaxAmountNotRateTimesBase_ReportsTaxRateAmountMismatch()
    {
        var invoice = Consistent with
        {
            TaxBreakdown = [Consistent.TaxBreakdown[0], Consistent.TaxBreakdown[1] with { Rate = 16m }],
        };

        var finding = Assert.Single(_validator.Validate(invoice));
        Assert.Equal((InvoiceFindingCodes.TaxRateAmountMismatch, "taxBreakdown[1].taxAmount"), (finding.Code, finding.Path));
        Assert.Contains("31.68", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_ReverseChargeWithoutTax_IsAccepted()
    {
        var invoice = Consistent with
        {
            ReverseCharge = true,
            TaxBreakdown = [new TaxBreakdown { Rate = 0m, TaxableAmount = 473.00m, TaxAmount = 0m, Category = "AE" }],
            TotalTax = 0m, Total = 473.00m, AmountDue = 473.00m,
        };

        Assert.Empty(_validator.Validate(invoice));
    }

    [Fact]
    public void Validate_ReverseChargeButVatCharged_ReportsReverseChargeWithTax()
    {
        var finding = Assert.Single(_validator.Validate(Consistent with { ReverseCharge = true }));

        Assert.Equal((InvoiceFindingCodes.ReverseChargeWithTax, ValidationSeverity.Warning, "totalTax"), (finding.Code, finding.Severity, finding.Path));
    }

    [Fact]
    public void Validate_LineAmountNotQuantityTimesPrice_ReportsLineAmountMismatch()
    {
        var invoice = Consistent with
        {
            LineItems = [Consistent.LineItems[0], Consistent.LineItems[1] with { Quantity = 40m }],
        };

        var finding = Assert.Single(_validator.Validate(invoice));
        Assert.Equal((InvoiceFindingCodes.LineAmountMismatch, ValidationSeverity.Warning, "lineItems[1].amount"), (finding.Code, finding.Severity, finding.Path));
    }

    [Fact]
    public void Validate_LineDiscountExplainsAmount_IsAccepted()
    {
        var invoice = Consistent with
        {
            LineItems = [Consistent.LineItems[0], Consistent.LineItems[1] with { Quantity = 52m, Discount = 11m }],
        };

        Assert.Empty(_validator.Validate(invoice));
    }

    [Fact]
    public void Validate_IntraStateCgstPlusSgst_HasNoFindings() => Assert.Empty(_validator.Validate(GstInvoice));

    [Fact]
    public void Validate_InterStateIgst_HasNoFindings()
    {
        var invoice = GstInvoice with
        {
            Gst = new GstDetails { SupplierGstin = "27AAPFU0939F1ZV", RecipientGstin = "29AAGCB7383J1Z4", PlaceOfSupply = "Karnataka", IgstRate = 18m, IgstAmount = 180m },
        };

        Assert.Empty(_validator.Validate(invoice));
    }

    [Fact]
    public void Validate_IgstOnIntraStateSupply_ReportsError()
    {
        var invoice = GstInvoice with { Gst = GstInvoice.Gst! with { CgstAmount = null, SgstAmount = null, CgstRate = null, SgstRate = null, IgstRate = 18m, IgstAmount = 180m } };

        var finding = Assert.Single(_validator.Validate(invoice));
        Assert.Equal((InvoiceFindingCodes.GstIgstOnIntraStateSupply, ValidationSeverity.Error, "gst.igstAmount"), (finding.Code, finding.Severity, finding.Path));
    }

    [Fact]
    public void Validate_CgstSgstOnInterStateSupply_ReportsError()
    {
        var invoice = GstInvoice with { Gst = GstInvoice.Gst! with { RecipientGstin = "29AAGCB7383J1Z4", PlaceOfSupply = "29-Karnataka" } };

        var finding = Assert.Single(_validator.Validate(invoice));
        Assert.Equal((InvoiceFindingCodes.GstCgstSgstOnInterStateSupply, "gst.cgstAmount"), (finding.Code, finding.Path));
        Assert.Contains("Karnataka", finding.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_CgstDiffersFromSgst_ReportsUnequalHalves()
    {
        var invoice = GstInvoice with { Gst = GstInvoice.Gst! with { SgstAmount = 80m } };

        var finding = Assert.Single(_validator.Validate(invoice));
        Assert.Equal((InvoiceFindingCodes.GstCgstSgstUnequal, ValidationSeverity.Error), (finding.Code, finding.Severity));
    }

    [Fact]
    public void Validate_RecipientGstinStateDiffersFromPlaceOfSupply_ReportsStateMismatch()
    {
        var invoice = GstInvoice with { Gst = GstInvoice.Gst! with { RecipientGstin = "29AAGCB7383J1Z4" } };

        var finding = Assert.Single(_validator.Validate(invoice));
        Assert.Equal((InvoiceFindingCodes.GstinStateMismatch, ValidationSeverity.Warning, "gst.placeOfSupply"), (finding.Code, finding.Severity, finding.Path));
    }

    [Fact]
    public void Validate_UnknownPlaceOfSupply_ReportsIt()
    {
        var invoice = GstInvoice with { Gst = GstInvoice.Gst! with { PlaceOfSupply = "Atlantis" } };

        Assert.Equal(InvoiceFindingCodes.GstPlaceOfSupplyUnknown, Assert.Single(_validator.Validate(invoice)).Code);
    }

    [Fact]
    public void Validate_MalformedGstin_ReportsFormat()
    {
        var invoice = GstInvoice with { Gst = GstInvoice.Gst! with { RecipientGstin = "27AAPFU0939F1Z" } };

        var finding = Assert.Single(_validator.Validate(invoice));
        Assert.Equal((InvoiceFindingCodes.GstinInvalidFormat, "gst.recipientGstin"), (finding.Code, finding.Path));
    }

    [Fact]
    public void Validate_WellFormedIrnAndHsnSac_HasNoFindings()
    {
        var invoice = GstInvoice with
        {
            Gst = GstInvoice.Gst! with { Irn = "e6157c13a4f63a6b0b8d3b06c7e1b5b1f0c3b3d0c9e6b9fcb7f2d1b6a5c4469e".ToUpperInvariant() },
            LineItems = [new InvoiceLineItem { Description = "Hotel stay", HsnSac = "996311", Amount = 1000m }],
        };

        Assert.Empty(_validator.Validate(invoice));
    }

    [Fact]
    public void Validate_TruncatedIrn_ReportsIrnInvalidFormat()
    {
        var invoice = GstInvoice with { Gst = GstInvoice.Gst! with { Irn = "e6157c13…469e" } };

        var finding = Assert.Single(_validator.Validate(invoice));
        Assert.Equal((InvoiceFindingCodes.IrnInvalidFormat, ValidationSeverity.Error, "gst.irn"), (finding.Code, finding.Severity, finding.Path));
    }

    [Theory]
    [InlineData("99631")]
    [InlineData("HSN 9963")]
    [InlineData("12")]
    public void Validate_MalformedHsnSac_ReportsLinePath(string code)
    {
        var invoice = GstInvoice with { LineItems = [new InvoiceLineItem { Description = "Item", HsnSac = code, Amount = 1000m }] };

        var finding = Assert.Single(_validator.Validate(invoice));
        Assert.Equal((InvoiceFindingCodes.HsnSacInvalidFormat, "lineItems[0].hsnSac"), (finding.Code, finding.Path));
    }

    [Fact]
    public void Validate_MalformedVatId_ReportsFormatError()
    {
        var finding = Assert.Single(_validator.Validate(Consistent with { Vendor = Consistent.Vendor! with { VatId = "DE12345678" } }));

        Assert.Equal((InvoiceFindingCodes.VatIdInvalidFormat, ValidationSeverity.Error, "vendor.vatId"), (finding.Code, finding.Severity, finding.Path));
    }

    [Fact]
    public void Validate_VatIdWithUnknownPrefix_ReportsUnknownCountry()
    {
        var finding = Assert.Single(_validator.Validate(Consistent with { Customer = new InvoiceParty { Name = "Buyer", VatId = "US123456789" } }));

        Assert.Equal((InvoiceFindingCodes.VatIdUnknownCountry, ValidationSeverity.Warning, "customer.vatId"), (finding.Code, finding.Severity, finding.Path));
    }

    [Theory]
    [InlineData("EURO")]
    [InlineData("eur")]
    [InlineData("€")]
    [InlineData("XYZ")]
    public void Validate_InvalidCurrency_ReportsCurrencyCodeInvalid(string currency)
    {
        var finding = Assert.Single(_validator.Validate(Consistent with { Currency = currency }));

        Assert.Equal((InvoiceFindingCodes.CurrencyCodeInvalid, "currency"), (finding.Code, finding.Path));
    }

    [Fact]
    public void Validate_InvalidTaxCurrency_ReportsItsPath()
    {
        Assert.Empty(_validator.Validate(Consistent with { TaxCurrency = "GBP" }));
        Assert.Equal("taxCurrency", Assert.Single(_validator.Validate(Consistent with { TaxCurrency = "GBX" })).Path);
    }

    [Fact]
    public void Validate_DueDateBeforeInvoiceDate_ReportsError()
    {
        var finding = Assert.Single(_validator.Validate(Consistent with { DueDate = new DateOnly(2018, 3, 4) }));

        Assert.Equal((InvoiceFindingCodes.DueDateBeforeInvoiceDate, ValidationSeverity.Error, "dueDate"), (finding.Code, finding.Severity, finding.Path));
    }

    [Fact]
    public void Validate_DueDateOnInvoiceDate_IsAccepted() => Assert.Empty(_validator.Validate(Consistent with { DueDate = new DateOnly(2018, 3, 5) }));

    [Theory]
    [InlineData(1899, 1, 1)]
    [InlineData(1989, 12, 31)]
    [InlineData(2037, 1, 1)]
    public void Validate_ImplausibleYear_ReportsDateImplausible(int year, int month, int day)
    {
        var findings = _validator.Validate(Consistent with { InvoiceDate = new DateOnly(year, month, day), DueDate = null });

        var finding = Assert.Single(findings, f => f.Code == InvoiceFindingCodes.DateImplausible);
        Assert.Equal("invoiceDate", finding.Path);
    }

    [Fact]
    public void Validate_InvoiceDateNextMonth_ReportsFutureDate()
    {
        var finding = Assert.Single(_validator.Validate(Consistent with { InvoiceDate = new DateOnly(2026, 12, 24), DueDate = null }));

        Assert.Equal((InvoiceFindingCodes.InvoiceDateInFuture, ValidationSeverity.Warning), (finding.Code, finding.Severity));
    }

    [Fact]
    public void Validate_InvoiceDateTomorrow_IsWithinTimeZoneAllowance()
    {
        Assert.Empty(_validator.Validate(Consistent with { InvoiceDate = new DateOnly(2026, 11, 24), DueDate = null }));
    }

    [Fact]
    public void Validate_ServicePeriodInOrder_IsAccepted()
    {
        Assert.Empty(_validator.Validate(Consistent with { ServicePeriod = new ServicePeriod { Start = new DateOnly(2018, 3, 1), End = new DateOnly(2018, 3, 31) } }));
    }

    [Fact]
    public void Validate_ServicePeriodReversed_ReportsPeriodEndsBeforeStart()
    {
        var invoice = Consistent with { ServicePeriod = new ServicePeriod { Start = new DateOnly(2018, 3, 31), End = new DateOnly(2018, 3, 1) } };

        var finding = Assert.Single(_validator.Validate(invoice));
        Assert.Equal((InvoiceFindingCodes.PeriodEndsBeforeStart, "servicePeriod.end"), (finding.Code, finding.Path));
    }

    [Fact]
    public void Validate_LineDateImplausible_ReportsLinePath()
    {
        var invoice = Consistent with { LineItems = [Consistent.LineItems[0] with { Date = new DateOnly(1066, 10, 14) }, Consistent.LineItems[1]] };

        Assert.Equal("lineItems[0].date", Assert.Single(_validator.Validate(invoice)).Path);
    }

    [Fact]
    public void Constructor_NullArguments_Throw()
    {
        Assert.Throws<ArgumentNullException>(() => new InvoiceValidator(null!, TimeProvider.System));
        Assert.Throws<ArgumentNullException>(() => new InvoiceValidator(Options.Create(new InvoiceValidationOptions()), null!));
        Assert.Throws<ArgumentNullException>(() => new InvoiceValidator().Validate(null!));
    }

    private static InvoiceValidator Create(InvoiceValidationOptions options) => new(Options.Create(options), new FakeTimeProvider(Now));
}

public sealed class InvoiceValidatorGroundTruthTests
{
    /// <summary>
    /// invoice2data ground truths with the findings their values must produce besides missing required fields:
    /// coolblue and saeco templates capture VAT-inclusive line prices (so the lines exceed the net subtotal), and the
    /// AzureInterior template keeps the olive oil's 10 % discount as a percentage the mapping cannot carry.
    /// </summary>
    public static TheoryData<string, string[]> Invoice2DataTruths => new()
    {
        { "AmazonWebServices", [] },
        { "AzureInterior", [InvoiceFindingCodes.LineAmountMismatch] },
        { "FlipkartInvoice", [] },
        { "NetpresseInvoice", [] },
        { "QualityHosting", [] },
        { "SammyMaystoneLinesTest", [] },
        { "coolblue1", [InvoiceFindingCodes.SubtotalMismatch] },
        { "coolblue2", [InvoiceFindingCodes.SubtotalMismatch] },
        { "free_fiber", [] },
        { "oyo", [] },
        { "saeco", [InvoiceFindingCodes.SubtotalMismatch] },
    };

    [Theory]
    [MemberData(nameof(Invoice2DataTruths))]
    public void Validate_Invoice2DataGroundTruth_ReportsExactlyTheKnownDiscrepancies(string name, string[] expectedCodes)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(SharedData.Invoice($"invoice2data/{name}.json")));
        var shape = InvoiceOcr.Sdk.Scoring.Invoice2DataMapping.ToInvoiceShape(json, []);
        var invoice = InvoiceOcr.Sdk.Invoices.InvoiceJson.Deserialize(shape.ToJsonString());
        var validator = new InvoiceValidator(Options.Create(new InvoiceValidationOptions()), new FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 0, 0, 0, TimeSpan.Zero)));

        var findings = validator.Validate(invoice);

        Assert.Equal(expectedCodes, findings.Where(f => f.Code != InvoiceFindingCodes.RequiredFieldMissing).Select(f => f.Code));
    }

    [Fact]
    public void Validate_QualityHostingVatIdAsPrinted_IsAValidGermanVatId()
    {
        var invoice = new Invoice
        {
            InvoiceId = "30064443", InvoiceDate = new DateOnly(2014, 5, 7), Total = 34.73m, Currency = "EUR",
            Vendor = new InvoiceParty { Name = "QualityHosting AG", VatId = "DE 232 446 240" },
        };

        Assert.Empty(new InvoiceValidator().Validate(invoice));
    }
}
