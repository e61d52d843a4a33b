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
        Reconciliation.AssertLedgersMatch(harness, sdk);
        Reconciliation.AssertLimitsHeld(harness, sdk);

        // The in-memory store settles every call: each key's running total is the emulator's, and nothing stays reserved.
        var keys = harness.Services.GetRequiredService<IApiKeyStore>();
        var billed = harness.Emulator.Ledger.TotalsByKey();
        foreach (var key in harness.Keys)
        {
            var stored = await keys.GetAsync(key.Id, CancellationToken.None);
            Assert.NotNull(stored);
            Assert.Equal(billed.TryGetValue(key.Id, out var totals) ? totals.TotalTokens : 0, stored.TokensUsed);
            Assert.Equal(0, stored.TokensReserved);
        }

        Reconciliation.AssertNoSecretLeaks(harness);
    }
}
