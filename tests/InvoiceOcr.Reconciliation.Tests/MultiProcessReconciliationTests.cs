using InvoiceOcr.Sdk;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// Two OS processes, each an application registering the SDK as a user does (<c>AddInvoiceOcr</c> + <c>AddSqliteStore</c>
/// from a settings file, same file, same master key), make their share of the calls across four companies and eight
/// keys concurrently against the emulator with 20 % faults and per-minute 429s. Afterwards the shared SQLite ledger
/// equals the emulator's billing ledger exactly per key, the limits held across both processes, the store's own
/// counters agree with the service to the token, and no key leaked into either process's logs.
/// </summary>
[Trait("Category", "Reconciliation")]
public sealed class MultiProcessReconciliationTests
{
    /// <summary>Enough billed calls (at least 3,000, asserted) to catch a 0.1 % loss on every path.</summary>
    private const int Calls = 3_400;

    /// <summary>Per process: the faults' delays run on the fake clock, so wall time is the calls' CPU, shared by 16 in flight.</summary>
    private const int Concurrency = 16;

    [Fact]
    public async Task ExtractAsync_TwoOsProcessesSharingOneSqliteFile_LedgersMatchExactlyAndLimitsHoldAcrossProcesses()
    {
        await using var run = await MultiProcessRun.StartAsync(seed: 20261126, workers: 2, Calls, Concurrency, busyTimeout: TimeSpan.FromSeconds(30), outboxReplayInterval: TimeSpan.FromMinutes(1), idempotent: false);

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

        Reconciliation.AssertLedgersEqual(entries, run.Keys, sdk);
        Reconciliation.AssertLimitsHeld(entries, sdk, await run.Store.GetAsync("c0-a", CancellationToken.None), MultiProcessRun.RequestsPerDayC1A);

        // No outage, so every reservation was settled, released or charged: each key's running total, kept by two processes
        // through one file, is at least what the service billed (a request sent with no answer read, a cut connection or a
        // truncated body, is charged at its estimate, since the service may have billed it), and nothing stays reserved.
        // Until the SQLite store journals attempts (IOperationStore), those charges cannot be listed, so this is a bound.
        Assert.All(workers, w => Assert.Equal(0, w.Diversions));
        var billed = run.Emulator.Ledger.TotalsByKey();
        foreach (var key in run.Keys)
        {
            var stored = await run.Store.GetAsync(key.Id, CancellationToken.None);
            Assert.NotNull(stored);
            var billedTokens = billed.TryGetValue(key.Id, out var totals) ? totals.TotalTokens : 0;
            Assert.True(stored.TokensUsed >= billedTokens, $"{key.Id}: {stored.TokensUsed} tokens counted, fewer than the {billedTokens} billed.");
            Assert.Equal((key.Id, 0L), (key.Id, stored.TokensReserved));
        }

        Assert.Empty(await run.ListOpenReservationsAsync());

        TestContext.Current.TestOutputHelper?.WriteLine(FormattableString.Invariant(
            $"{entries.Count} billed calls ({sdk.Count(r => r.Outcome == UsageOutcome.Failure)} billed failures) for {Calls} extractions; c0-a billed {billed["c0-a"].TotalTokens} of {ReconciliationHarness.LifetimeLimitC0A} tokens, c1-a {billed["c1-a"].Requests} calls; ") +
            string.Join(", ", workers.Select(w => w.Name + " " + w.Lines.First(l => l.StartsWith("started ", StringComparison.Ordinal)) + " " + w.Lines.Last())));
        await MultiProcessChecks.AssertNoSecretLeaksAsync(run);
    }
}
