using InvoiceOcr.Sdk.Relational;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// The same 5,000 faulted extractions on the SQLite store (durable outbox, group commit), with the database file taken
/// away for a stretch in the middle of the run: keys come from the fallback list, usage goes to the outbox, and after
/// the outbox replays the ledgers still match exactly. The secrets sweep also reads the ApplicationLogs table.
/// </summary>
[Trait("Category", "Reconciliation")]
public sealed class SqliteReconciliationTests
{
    [Fact]
    public async Task ExtractAsync_5000CallsWithFaultsAndASqliteOutageMidRun_LedgersMatchExactlyAfterTheOutboxReplays()
    {
        await using var harness = await ReconciliationHarness.StartAsync(HarnessStore.Sqlite, seed: 20261124);
        IDisposable? outage = null;
        var gate = new Lock();

        // Calls 2,000 to 2,800 start while the database file is gone: keys come from the fallback list and usage goes to the outbox.
        await harness.RunAsync(Reconciliation.Calls, Reconciliation.Concurrency, i =>
        {
            lock (gate)
            {
                if (i == 2_000 && outage is null)
                {
                    outage = harness.TakeStoreDown();
                }
                else if (i == 2_800)
                {
                    outage?.Dispose();
                }
            }

            return Task.CompletedTask;
        });
        outage?.Dispose();
        await harness.FlushAsync();

        var durable = harness.Services.GetRequiredService<DurableUsageLogger>();
        Assert.True(durable.UsageRecordsDiverted > 0, "The outage diverted no usage record to the outbox: the store was never really down.");
        var sdk = await harness.ListSdkUsageAsync();
        Reconciliation.AssertLedgersMatch(harness, sdk);
        await Reconciliation.AssertLimitsHeldAsync(harness, sdk);
        var applicationLogs = await harness.ReadApplicationLogsAsync();
        Assert.True(applicationLogs.Count > 1_000, $"Only {applicationLogs.Count} ApplicationLogs rows: the database logger did not run.");
        Reconciliation.AssertNoSecretLeaks(harness, applicationLogs);
    }
}
