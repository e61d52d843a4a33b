using InvoiceOcr.Sdk.Pricing;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Tests.Pricing;

public sealed class PriceTableTests
{
    private static PriceTable Defaults() => new(Options.Create(new PricingOptions()));

    [Fact]
    public void Cost_OnePageInvoiceAtListPrices_PricesEveryTokenKind()
    {
        // 2,000 text (1,500 of them cached) + 258 document prompt tokens, 500 output, 100 thoughts on gemini-2.5-flash:
        // (500 × 0.30 + 258 × 0.30 + 1,500 × 0.03 + 600 × 2.50) / 1e6 = 0.0017724 USD.
        var usage = new TokenUsage { InputTokens = 2258, TextTokens = 2000, DocumentTokens = 258, CachedTokens = 1500, OutputTokens = 500, ThoughtsTokens = 100, TotalTokens = 2858 };

        var cost = Defaults().Cost("gemini-2.5-flash", usage);

        Assert.Equal(new UsageCost(0.0017724m, "USD"), cost);
    }

    [Fact]
    public void Cost_BatchTier_IsHalfTheInteractivePrice()
    {
        var usage = new TokenUsage { InputTokens = 3000, TextTokens = 3000, OutputTokens = 1000, TotalTokens = 4000 };
        var table = Defaults();

        Assert.Equal(table.Cost("gemini-2.5-flash", usage)!.Value.Amount / 2, table.Cost("gemini-2.5-flash", usage, ServiceTier.Batch)!.Value.Amount);
    }

    [Fact]
    public void Cost_ProPromptOverThreshold_UsesLongContextTier()
    {
        var table = Defaults();
        var longPrompt = new TokenUsage { InputTokens = 200_001, TextTokens = 200_001 };
        var shortPrompt = new TokenUsage { InputTokens = 200_000, TextTokens = 200_000 };

        Assert.Equal(0.5000025m, table.Cost("gemini-2.5-pro", longPrompt)!.Value.Amount);
        Assert.Equal(0.25m, table.Cost("gemini-2.5-pro", shortPrompt)!.Value.Amount);
    }

    [Theory]
    [InlineData("gemini-2.5-flash-lite-001", 0.10)]
    [InlineData("models/gemini-2.5-flash-002", 0.30)]
    [InlineData("GEMINI-2.0-FLASH", 0.10)]
    public void TryGetPrice_VersionedOrPrefixedId_MatchesLongestConfiguredId(string model, double inputPrice)
    {
        Assert.True(Defaults().TryGetPrice(model, out var price));
        Assert.Equal((decimal)inputPrice, price.Standard.InputText);
    }

    [Fact]
    public void Cost_UnknownModel_IsNull() =>
        Assert.Null(Defaults().Cost("some-other-model", new TokenUsage { InputTokens = 10, TextTokens = 10 }));

    [Fact]
    public void MaximumCost_IsNeverBelowTheCostOfAnyUsageWithinTheCaps()
    {
        var table = Defaults();
        var maximum = table.MaximumCost("gemini-2.5-flash", promptTokens: 3000, maxOutputTokens: 1024)!.Value.Amount;
        var worst = table.Cost("gemini-2.5-flash", new TokenUsage { InputTokens = 3000, TextTokens = 3000, OutputTokens = 924, ThoughtsTokens = 100 })!.Value.Amount;

        Assert.Equal(0.00346m, maximum);
        Assert.True(worst <= maximum);
    }

    [Fact]
    public void Validate_NegativePriceOrBadBatchFactor_NamesTheSetting()
    {
        var options = new PricingOptions();
        options.Models["gemini-2.5-flash"].Standard.Output = -1;
        options.Models["gemini-2.5-flash"].BatchFactor = 0;

        var result = new PricingOptionsRulesValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Pricing:Models:gemini-2.5-flash:Standard:Output", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains("Pricing:Models:gemini-2.5-flash:BatchFactor", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SoftLimitNotBelowHardLimit_Fails()
    {
        var options = new BudgetOptions();
        options.Companies["acme"] = new CompanyBudget { MonthlyHardLimit = 10m, MonthlySoftLimit = 10m };

        var result = new BudgetOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Contains("Budgets:Companies:acme:MonthlySoftLimit", result.FailureMessage, StringComparison.Ordinal);
    }
}
