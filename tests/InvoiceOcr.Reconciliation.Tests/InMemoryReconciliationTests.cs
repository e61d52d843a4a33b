using InvoiceOcr.Sdk;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// 5,000 extractions across four companies and eight keys against the emulator with 20 % injected faults and per-minute
/// 429s, on the in-memory store: afterwards the SDK's usage ledger equals the emulator's billing ledger exactly, per key,
/// no limit was passed, and no key (nor any 8-character piece of one) appears in any log line, exception, metric tag or
/// activity tag. (The two stores run in separate classes so xUnit runs them side by side.)
/// </summary>
[Trait("Category", "Reconciliation")]
public sealed class InMemoryReconciliationTests
{
    [Fact]
    public async Task ExtractAsync_5000CallsWithFaultsOnTheInMemoryStore_LedgersMatchExactlyAndNoSecretLeaks()
    {
        await using var harness = await ReconciliationHarness.StartAsync(HarnessStore.InMemory, seed: 20261123);

        await harness.RunAsync(Reconciliation.Calls, Reconciliation.Concurrency);

        var sdk = await harness.ListSdkUsageAsync();
        var unknown = await harness.Services.GetRequiredService<IKeyPoolQueries>().ListUnknownOutcomeAttemptsAsync(null, CancellationToken.None);
        Reconciliation.AssertLedgersMatch(harness, sdk, unknown: unknown);
        await Reconciliation.AssertLimitsHeldAsync(harness, sdk);

        // Every token kind was exercised: a thinking model and cached prompts.
        Assert.True(sdk.Sum(r => r.ThoughtsTokens) > 0 && sdk.Sum(r => r.CachedTokens) > 0, "Thoughts and cached tokens must be non-zero.");
        Assert.Contains(harness.Emulator.Ledger.Entries, e => e.AnswerLost);

        // The in-memory store settles every call: each key's running total is its ledger rows plus its unknown-outcome
        // attempts at their estimate (the SDK cannot know less than that), and nothing stays reserved.
        var keys = harness.Services.GetRequiredService<IApiKeyStore>();
        foreach (var key in harness.Keys)
        {
            var stored = await keys.GetAsync(key.Id, CancellationToken.None);
            Assert.NotNull(stored);
            var expected = sdk.Where(r => r.KeyId == key.Id).Sum(r => r.TotalTokens) + unknown.Where(u => u.KeyId == key.Id).Sum(u => u.ChargedTokens);
            Assert.Equal((key.Id, expected), (key.Id, stored.TokensUsed));
            Assert.Equal(0, stored.TokensReserved);
        }

        Reconciliation.AssertNoSecretLeaks(harness);
    }
}
