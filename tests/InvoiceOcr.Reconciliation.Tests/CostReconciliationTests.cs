using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// The ledger's money equals the service's bill: after a run with faults, a thinking model and implicit caching, every
/// ledger row's cost (computed by the SDK when it recorded the call, from its price table) equals the cost computed here,
/// independently, from the emulator's billing ledger entry of the same response with the same list prices, and so do
/// the totals. The independent computation prices each modality's uncached and cached tokens from the emulator's own
/// per-modality details, not from the SDK's row.
/// </summary>
[Trait("Category", "Reconciliation")]
public sealed class CostReconciliationTests
{
    [Fact]
    public async Task ExtractAsync_RunWithFaultsAndCaching_LedgerCostEqualsCostFromEmulatorBillingLedger()
    {
        await using var harness = await ReconciliationHarness.StartAsync(HarnessStore.InMemory, seed: 20261203);

        await harness.RunAsync(600, Reconciliation.Concurrency);

        var sdk = await harness.ListSdkUsageAsync();
        var billed = harness.Emulator.Ledger.Entries.Where(e => !e.AnswerLost).ToDictionary(e => e.ResponseId, StringComparer.Ordinal);
        var prices = harness.Services.GetRequiredService<PriceTable>();
        Assert.Equal("USD", prices.Currency);
        Assert.NotEmpty(sdk);

        decimal ledgerTotal = 0, serviceTotal = 0;
        foreach (var row in sdk)
        {
            Assert.NotNull(row.ResponseId);
            var entry = billed[row.ResponseId!];
            var independent = IndependentCost(entry);
            Assert.Equal((row.Id, independent, "USD"), (row.Id, row.Cost ?? -1, row.Currency));
            ledgerTotal += row.Cost!.Value;
            serviceTotal += independent;
        }

        Assert.Equal(serviceTotal, ledgerTotal);

        // Every kind of token was priced: thoughts (as output) and cached prompt tokens (at the cache price).
        Assert.True(sdk.Sum(r => r.ThoughtsTokens) > 0 && sdk.Sum(r => r.CachedTokens) > 0, "Thoughts and cached tokens must be non-zero.");

        // The summaries carry the same money, exactly.
        var summed = 0m;
        for (var c = 0; c < ReconciliationHarness.Companies; c++)
        {
            var summaries = await harness.Services.GetRequiredService<IUsageLedger>().SummarizeAsync(new UsageQuery("c" + c), UsageGrouping.Day, CancellationToken.None);
            summed += summaries.Sum(s => s.Cost);
        }

        Assert.Equal(ledgerTotal, summed);
        TestContext.Current.TestOutputHelper?.WriteLine($"{sdk.Count} ledger rows cost {ledgerTotal} USD; the emulator billed {serviceTotal} USD for them.");
    }

    /// <summary>
    /// gemini-2.5-flash at Google's list prices (USD per million tokens; docs/configuration.md): text, image and document
    /// input 0.30, audio 1.00, cached input 0.03, output and thinking 2.50. Written out here, not read from the SDK.
    /// </summary>
    private static decimal IndependentCost(EmulatorLedgerEntry entry)
    {
        Assert.Equal("gemini-2.5-flash", entry.Model);
        Assert.Equal("standard", entry.ServiceTier);
        decimal input = 0;
        foreach (var (modality, tokens) in entry.PromptTokensByModality)
        {
            var cached = entry.CachedTokensByModality.GetValueOrDefault(modality);
            var price = modality == "AUDIO" ? 1.00m : 0.30m;
            input += ((tokens - cached) * price) + (cached * 0.03m);
        }

        var output = (entry.CandidatesTokenCount + entry.ThoughtsTokenCount) * 2.50m;
        return decimal.Round((input + output) / 1_000_000m, 9, MidpointRounding.AwayFromZero);
    }
}
