using InvoiceOcr.Sdk;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// Two OS processes, each an application registering the SDK as a user does (<c>AddInvoiceOcr</c> + <c>AddSqliteStore</c>
/// from a settings file, same file, same master key), make their share of the calls across four companies and eight
/// keys concurrently against the emulator with 20 % faults (3 % of calls billed with their answer lost) and per-minute 429s,
/// over 3,000 billed calls. Afterwards every billed call is one row of the shared SQLite ledger or one attempt the store
/// names as outcome-unknown, per key and every token kind; the limits held across both processes; each key's running
/// total is exactly its ledger rows plus its unknown-outcome attempts; and no key leaked into either process's logs.
/// </summary>
[Trait("Category", "Reconciliation")]
public sealed class MultiProcessReconciliationTests
{
    /// <summary>
    /// Enough billed calls (at least 3,000, asserted) to catch a 0.1 % loss on every path. How many calls are stopped by a
    /// limit grows with the machine's speed against the 600x clock: an idle machine billed 2,331 of 3,400, a loaded one 3,481.
    /// </summary>
    private const int Calls = 5_000;

    /// <summary>Per process: the faults' delays run on the fake clock, so wall time is the calls' CPU, shared by 16 in flight.</summary>
    private const int Concurrency = 16;

    [Fact]
    public async Task ExtractAsync_TwoOsProcessesSharingOneSqliteFile_LedgersMatchExactlyAndLimitsHoldAcrossProcesses()
    {
        await using var run = await MultiProcessRun.StartAsync(seed: 20261126, workers: 2, Calls, Concurrency, busyTimeout: TimeSpan.FromSeconds(30), outboxReplayInterval: TimeSpan.FromMinutes(1), idempotent: false, lostAnswers: true);

        var workers = new[] { run.StartWorker(0), run.StartWorker(1) };
        foreach (var worker in workers)
        {
            Assert.True(await worker.WaitForExitAsync(MultiProcessRun.WorkerTimeout) == 0, worker.Name + " failed:\n" + string.Join('\n', worker.Errors));
        }

        // Each process made every call of its share, once, and each call returned or threw a typed InvoiceOcrException.
        for (var index = 0; index < workers.Length; index++)
        {
            var (begun, ended) = workers[index].Journal();
            Assert.Equal(run.ShareOf(index).Order(), begun.Order());
            Assert.Equal(begun.Order(), ended.Keys.Order());
            Assert.Contains(ended.Values, e => e[0] == "ok");
            Assert.DoesNotContain(ended.Values, e => e[0] == "done-before");
        }

        var entries = run.Emulator.Ledger.Entries;
        var sdk = await run.ListSdkUsageAsync();
        MultiProcessChecks.AssertUnderFire(run, entries, sdk);
        Assert.True(entries.Count >= 3_000, $"Only {entries.Count} billed calls: too few to catch a 0.1 % loss.");

        // Both processes' successes are billed responses in the shared ledger.
        var responses = sdk.Select(r => r.ResponseId).ToHashSet(StringComparer.Ordinal);
        foreach (var worker in workers)
        {
            var ok = worker.Journal().Ended.Values.Where(e => e[0] == "ok").Select(e => e[2]).ToList();
            Assert.All(ok, id => Assert.Contains(id, responses));
        }

        // Every billed call is one ledger row, or (its answer lost: a reset or a cut body after billing, no answer at all) one
        // attempt the store names as outcome-unknown, matched through the test header; per key, every token kind.
        var unknown = await run.ResolveAndListUnknownOutcomesAsync();
        Reconciliation.AssertLedgersEqual(entries, run.Keys, sdk, unknown);
        Assert.Contains(entries, e => e.AnswerLost);
        Reconciliation.AssertEveryTokenKind(entries, sdk);
        Reconciliation.AssertLimitsHeld(entries, sdk, await run.Store.GetAsync("c0-a", CancellationToken.None), MultiProcessRun.RequestsPerDayC1A);

        // No outage, so every attempt ended in the store: each key's running total, kept by two processes through one file,
        // is exactly its ledger rows plus its unknown-outcome attempts at their estimate, and nothing stays reserved.
        Assert.All(workers, w => Assert.Equal(0, w.Diversions));
        await Reconciliation.AssertCountersEqualLedgerAsync(run.Store, run.Store, run.Keys, sdk, unknown, run.Clock.GetUtcNow());
        Assert.Empty(await run.ListOpenReservationsAsync());
        var billed = run.Emulator.Ledger.TotalsByKey();

        TestContext.Current.TestOutputHelper?.WriteLine(FormattableString.Invariant(
            $"{entries.Count} billed calls ({sdk.Count(r => r.Outcome == UsageOutcome.Failure)} billed failures, {unknown.Count} unknown outcomes) for {Calls} extractions; c0-a billed {billed["c0-a"].TotalTokens} of {ReconciliationHarness.LifetimeLimitC0A} tokens, c1-a {billed["c1-a"].Requests} calls; ") +
            string.Join(", ", workers.Select(w => w.Name + " " + w.Lines.First(l => l.StartsWith("started ", StringComparison.Ordinal)) + " " + w.Lines.Last())));
        await MultiProcessChecks.AssertNoSecretLeaksAsync(run);
    }
}
