namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// Two SDK hosts (separate service providers, connection pools, group-commit writers and key pools; one process) share
/// one SQLite file, as two application instances share a store: calls alternate between them under the same faults, and
/// the shared ledger still equals the emulator's exactly and the shared limits hold across both. (Real OS processes
/// sharing one file: <see cref="MultiProcessReconciliationTests"/> and <see cref="KillAndRestartReconciliationTests"/>.)
/// </summary>
[Trait("Category", "Reconciliation")]
public sealed class SharedSqliteReconciliationTests
{
    /// <summary>
    /// Fewer calls than the single-host runs keep the whole harness inside its CI time budget (the two-OS-process run, on the
    /// same kind of shared file, bills over 3,000).
    /// </summary>
    private const int Calls = 1_500;

    [Fact]
    public async Task ExtractAsync_TwoSdkHostsSharingOneSqliteFile_LedgersMatchExactlyAndSharedLimitsHold()
    {
        await using var harness = await ReconciliationHarness.StartAsync(HarnessStore.Sqlite, seed: 20261125, hosts: 2);

        await harness.RunAsync(Calls, Reconciliation.Concurrency);
        await harness.FlushAsync();

        var unknown = await harness.ResolveAndListUnknownOutcomesAsync();
        var sdk = await harness.ListSdkUsageAsync();
        Reconciliation.AssertLedgersMatch(harness, sdk, Calls, unknown);
        await Reconciliation.AssertLimitsHeldAsync(harness, sdk);
        var applicationLogs = await harness.ReadApplicationLogsAsync();
        Reconciliation.AssertNoSecretLeaks(harness, applicationLogs);
    }
}
