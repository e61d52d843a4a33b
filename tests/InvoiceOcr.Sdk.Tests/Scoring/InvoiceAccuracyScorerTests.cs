using InvoiceOcr.Sdk.Invoices;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Sdk.Tests.Scoring;

public sealed class InvoiceAccuracyScorerTests
{
    private static readonly Invoice Truth = new()
    {
        InvoiceId = "A-1",
        InvoiceDate = new DateOnly(2024, 1, 5),
        Currency = "EUR",
        Total = 119m,
        Vendor = new InvoiceParty { Name = "ACME GmbH" },
        LineItems = [new InvoiceLineItem { Description = "Widget", Amount = 100m }],
    };

    /// <summary>Against <see cref="Truth"/>'s 8 fields: 6 correct (after normalisation), 1 wrong date, 1 missing currency, 1 extra due date.</summary>
    private static readonly Invoice Extracted = new()
    {
        InvoiceId = " a-1 ",
        InvoiceDate = new DateOnly(2024, 5, 1),
        DueDate = new DateOnly(2024, 2, 5),
        Total = 119.00m,
        Vendor = new InvoiceParty { Name = "Acme \n GmbH" },
        LineItems = [new InvoiceLineItem { Description = "widget", Amount = 100.0m }],
    };

    [Fact]
    public void Score_PerfectMatch_IsOne()
    {
        var score = new InvoiceAccuracyScorer().Score(Truth, Truth);

        Assert.Equal((1d, 1d, 1d, true), (score.Precision, score.Recall, score.F1, score.ExactMatch));
        Assert.Equal(8, score.ExpectedFields);
        Assert.All(score.Fields, f => Assert.Equal(FieldOutcome.Correct, f.Outcome));
    }

    [Fact]
    public void Score_RealEInvoiceAgainstItself_IsOne()
    {
        var invoice = new EInvoiceReader().ReadPdf(SharedData.ReadInvoice("zugferd/EN16931_Rabatte.pdf"))!;

        var score = new InvoiceAccuracyScorer().Score(invoice, InvoiceJson.Serialize(invoice));

        Assert.True(score.ExactMatch);
        Assert.Equal(1d, score.F1);
        Assert.True(score.ExpectedFields > 50, $"only {score.ExpectedFields} fields");
    }

    [Fact]
    public void Score_KnownDifferences_GivesExactPrecisionAndRecall()
    {
        var score = new InvoiceAccuracyScorer().Score(Extracted, Truth);

        Assert.Equal(6d / 7d, score.Precision, 12);
        Assert.Equal(0.75d, score.Recall, 12);
        Assert.Equal(0.8d, score.F1, 12);
        Assert.False(score.ExactMatch);
        Assert.Equal((8, 6), (score.ExpectedFields, score.CorrectFields));
        Assert.Equal(
            [
                ("documentType", FieldOutcome.Correct), ("invoiceId", FieldOutcome.Correct), ("invoiceDate", FieldOutcome.Wrong),
                ("currency", FieldOutcome.Missing), ("vendor.name", FieldOutcome.Correct), ("total", FieldOutcome.Correct),
                ("lineItems[0].description", FieldOutcome.Correct), ("lineItems[0].amount", FieldOutcome.Correct),
            ],
            score.Fields.Select(f => (f.Path, f.Outcome)));
        Assert.Equal(("2024-01-05", "2024-05-01"), (score.Fields[2].Expected, score.Fields[2].Actual));
    }

    [Fact]
    public void Score_ExtraFieldsScored_CountAgainstPrecision()
    {
        var score = new InvoiceAccuracyScorer(new InvoiceScoringOptions { ScoreExtraFields = true }).Score(Extracted, Truth);

        Assert.Equal(0.75d, score.Precision, 12);
        Assert.Equal(0.75d, score.Recall, 12);
        Assert.Equal(("dueDate", FieldOutcome.Extra), (score.Fields[^1].Path, score.Fields[^1].Outcome));
    }

    [Fact]
    public void Score_ExtractedJsonWithFence_IsParsed()
    {
        var json = "```json\n" + InvoiceJson.Serialize(Extracted) + "\n```";

        var score = new InvoiceAccuracyScorer().Score(json, InvoiceJson.Serialize(Truth));

        Assert.Equal(0.75d, score.Recall, 12);
    }

    [Fact]
    public void Score_Invoice2DataGroundTruth_MapsFieldsAndNormalisesNumbersAndIdentifiers()
    {
        const string truth = """
            [{ "issuer": "Example", "invoice_number": "42183017", "date": "2014-08-03", "amount": 4.1, "currency": "usd",
               "vat": "DE 123 456 789", "desc": "Invoice from Example",
               "lines": [ { "sectionheader": "--- Services ---" }, { "name": "Amazon S3", "price_unit": 0.99 }, { "name": "Data Transfer", "price_unit": 3.12 } ] }]
            """;
        var extracted = new Invoice
        {
            InvoiceId = "42183017",
            InvoiceDate = new DateOnly(2014, 8, 3),
            Total = 4.10m,
            Currency = "USD",
            Vendor = new InvoiceParty { VatId = "DE123456789" },
            LineItems =
            [
                new InvoiceLineItem { Description = "Data Transfer", UnitPrice = 3.12m },
                new InvoiceLineItem { Description = "Amazon S3", UnitPrice = 0.98m },
            ],
        };

        var score = new InvoiceAccuracyScorer().Score(extracted, truth);

        // 9 expected fields, 8 correct (the lines are paired by description, not position); 1 wrong unit price.
        Assert.Equal((9, 8), (score.ExpectedFields, score.CorrectFields));
        Assert.Equal(8d / 9d, score.Precision, 12);
        Assert.Equal(8d / 9d, score.Recall, 12);
        var wrong = Assert.Single(score.Fields, f => f.Outcome != FieldOutcome.Correct);
        Assert.Equal(("lineItems[0].unitPrice", "0.99", "0.98"), (wrong.Path, wrong.Expected, wrong.Actual));
        Assert.Equal(["issuer", "desc", "lines[].sectionheader"], score.UnmappedGroundTruthFields);
    }

    [Fact]
    public void Score_OyoGroundTruth_ScoresTheMappedFields()
    {
        var extracted = new Invoice
        {
            InvoiceId = "IBZY2087",
            InvoiceDate = new DateOnly(2017, 12, 31),
            Total = 1939m,
            Currency = "INR",
            Gst = new GstDetails { SupplierGstin = "06AABCO6063D1ZQ" },
        };

        var score = new InvoiceAccuracyScorer().Score(extracted, File.ReadAllText(SharedData.Invoice("invoice2data/oyo.json")));

        Assert.True(score.ExactMatch);
        Assert.Equal(["currency", "gst.supplierGstin", "invoiceDate", "invoiceId", "total"], score.Fields.Select(f => f.Path).Order(StringComparer.Ordinal));
        Assert.Contains("cin", score.UnmappedGroundTruthFields);
        Assert.Contains("issuer", score.UnmappedGroundTruthFields);
    }

    [Fact]
    public void Score_AzureInteriorUblAgainstInvoice2DataTruth_MatchesTheKnownDifferences()
    {
        var extracted = new EInvoiceReader().ReadPdf(SharedData.ReadInvoice("invoice2data/AzureInterior.pdf"))!;

        var score = new InvoiceAccuracyScorer().Score(extracted, File.ReadAllText(SharedData.Invoice("invoice2data/AzureInterior.json")));

        Outcome("invoiceId", FieldOutcome.Correct);
        Outcome("total", FieldOutcome.Correct);
        Outcome("subtotal", FieldOutcome.Correct);
        Outcome("totalTax", FieldOutcome.Correct);
        Outcome("dueDate", FieldOutcome.Correct);
        Outcome("vendor.phone", FieldOutcome.Correct);
        Outcome("paymentDetails[0].iban", FieldOutcome.Missing); // the UBL XML carries no bank account
        Outcome("lineItems[0].description", FieldOutcome.Wrong); // "Beeswax XL\nAcme beeswax" vs the XML item name "Beeswax XL"
        Outcome("lineItems[0].unitPrice", FieldOutcome.Correct);
        Outcome("lineItems[1].unit", FieldOutcome.Wrong); // invoice2data says H87, the XML says C62
        Assert.Equal(score.Fields.Count(f => f.Outcome == FieldOutcome.Correct), score.CorrectFields);
        Assert.Equal((double)score.CorrectFields / score.ExpectedFields, score.Recall, 12);
        Assert.Contains("partner_street2", score.UnmappedGroundTruthFields);

        void Outcome(string path, FieldOutcome outcome) => Assert.Equal(outcome, Assert.Single(score.Fields, f => f.Path == path).Outcome);
    }

    [Fact]
    public void Score_EmptyGroundTruth_IsPerfectOnlyWhenNothingIsScored()
    {
        var score = new InvoiceAccuracyScorer().Score(Extracted, "{}");

        Assert.Equal((1d, 1d, 0), (score.Precision, score.Recall, score.ExpectedFields));
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("[1, 2]")]
    [InlineData("[]")]
    public void Score_InvalidGroundTruth_ThrowsArgumentException(string truth)
    {
        Assert.Throws<ArgumentException>(() => new InvoiceAccuracyScorer().Score(Extracted, truth));
    }

    [Fact]
    public void Score_ExtractedTextNotJson_ThrowsSchemaMismatch()
    {
        var ex = Assert.Throws<InvoiceOcrException>(() => new InvoiceAccuracyScorer().Score("Sorry, I cannot read this.", "{}"));
        Assert.Equal(InvoiceOcrErrorKind.SchemaMismatch, ex.Kind);
    }
}
