namespace InvoiceOcr.Sdk.Tests.Scoring;

public sealed class InvoiceAccuracySummaryTests
{
    [Fact]
    public void Create_TwoDocuments_MicroAveragesAndCollapsesLineIndexes()
    {
        var truth = new Invoice
        {
            InvoiceId = "A-1", Total = 10m,
            LineItems = [new InvoiceLineItem { Description = "X", Amount = 4m }, new InvoiceLineItem { Description = "Y", Amount = 6m }],
        };
        var scorer = new InvoiceAccuracyScorer();
        var perfect = scorer.Score(truth, truth); // 7 fields (documentType included), all correct
        var flawed = scorer.Score(truth with { Total = 11m, LineItems = [truth.LineItems[0]] }, truth); // 1 wrong, 2 missing

        var summary = InvoiceAccuracySummary.Create([perfect, flawed]);

        Assert.Equal(2, summary.Documents);
        Assert.Equal(11d / 12d, summary.Precision, 12); // 11 correct of 12 predicted (7 + 5)
        Assert.Equal(11d / 14d, summary.Recall, 12); // 11 correct of 14 expected
        Assert.Equal(0.5d, summary.ExactMatchRate);
        Assert.Equal(new FieldAccuracy(2, 1), summary.Fields["total"]);
        Assert.Equal(new FieldAccuracy(4, 3), summary.Fields["lineItems[].amount"]);
        Assert.Equal(0.75d, summary.Fields["lineItems[].description"].Accuracy);
    }

    [Fact]
    public void Create_NoDocuments_IsVacuouslyPerfect()
    {
        var summary = InvoiceAccuracySummary.Create([]);

        Assert.Equal((0, 1d, 1d, 1d), (summary.Documents, summary.Precision, summary.Recall, summary.ExactMatchRate));
        Assert.Empty(summary.Fields);
    }
}
