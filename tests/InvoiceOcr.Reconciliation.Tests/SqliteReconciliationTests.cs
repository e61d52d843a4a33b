using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// The same 5,000 faulted extractions on the SQLite store (durable outbox, group commit), with 10 % of billed attempt
/// endings failing as if the database were unreachable and the database file taken away for a stretch in the middle of the
/// run: keys come from the fallback list, attempts are journaled and usage recorded in the local outbox, and after the outbox
/// replays the ledgers match exactly, every billed call whose answer was lost (during the outage too) is named as an
/// unknown-outcome attempt, and each key's running total and day window equal its ledger rows plus its unknown-outcome
/// attempts, for every key. The secrets sweep also reads the ApplicationLogs table.
/// </summary>
[Trait("Category", "Reconciliation")]
public sealed class SqliteReconciliationTests
{
    [Fact]
    public async Task ExtractAsync_5000CallsWithFailedSettlementsAndASqliteOutage_LedgersAndCountersMatchExactlyAfterTheOutboxReplays()
    {
        await using var harness = await ReconciliationHarness.StartAsync(HarnessStore.Sqlite, seed: 20261124, settlementFailures: 0.10);
        IDisposable? outage = null;
        var gate = new Lock();
        var restored = false;

        // Calls 2,000 to 2,800 start while the database file is gone: keys come from the fallback list and usage goes to the outbox.
        await harness.RunAsync(Reconciliation.Calls, Reconciliation.Concurrency, i =>
        {
            lock (gate)
            {
                if (i == 2_000 && outage is null)
                {
                    outage = harness.TakeStoreDown();
                }
                else if (i == 2_800 && outage is not null && !restored)
                {
                    outage.Dispose();
                    restored = true;
                }
            }

            return Task.CompletedTask;
        });
        if (!restored)
        {
            outage?.Dispose();
        }
        await harness.FlushAsync();
        var unknown = await harness.ResolveAndListUnknownOutcomesAsync();

        var durable = harness.Services.GetRequiredService<DurableUsageLogger>();
        Assert.True(durable.UsageRecordsDiverted > 0, "No usage record went to the outbox: the store never failed.");
        Assert.True(harness.InjectedSettlementFailures >= 300, $"Only {harness.InjectedSettlementFailures} settlements failed: not 10 % of billed calls.");
        var sdk = await harness.ListSdkUsageAsync();

        // No exception, outage or not: every attempt was journaled before its request left (in the store, or in the local
        // outbox while the store was down, replayed since), so every billed call whose answer was lost is named, and every
        // replayed record counted toward its key once, through its reservation or, on a fallback key, added to the key.
        Assert.True(durable.JournalEntriesDiverted > 0, "No journal entry went to the local outbox: no attempt ran during the outage.");
        Reconciliation.AssertLedgersMatch(harness, sdk, unknown: unknown);
        Assert.Contains(harness.Emulator.Ledger.Entries, e => e.AnswerLost);
        Reconciliation.AssertEveryTokenKind(harness.Emulator.Ledger.Entries, sdk);
        await Reconciliation.AssertLimitsHeldAsync(harness, sdk);
        await Reconciliation.AssertCountersEqualLedgerAsync(
            harness.Services.GetRequiredService<IApiKeyStore>(), harness.Services.GetRequiredService<IQuotaStore>(), harness.Keys, sdk, unknown, harness.Clock.GetUtcNow());
        TestContext.Current.TestOutputHelper?.WriteLine(FormattableString.Invariant(
            $"{harness.InjectedSettlementFailures} settlements failed by injection, {durable.UsageRecordsDiverted} usage records and {durable.JournalEntriesDiverted} journal entries diverted to the outbox, {unknown.Count} unknown-outcome attempts ({harness.Emulator.Ledger.Entries.Count(e => e.AnswerLost)} billed answers lost)."));

        var applicationLogs = await harness.ReadApplicationLogsAsync();
        Assert.True(applicationLogs.Count > 1_000, $"Only {applicationLogs.Count} ApplicationLogs rows: the database logger did not run.");
        Reconciliation.AssertNoSecretLeaks(harness, applicationLogs);
    }
}
