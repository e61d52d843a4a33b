using System.Globalization;
using System.Text.RegularExpressions;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// Two worker processes share one SQLite file under the usual faults, lost answers included. A quarter of the way in, the
/// store becomes unavailable (another connection holds its write lock): calls already claimed go on (keys from the fallback
/// list, journal entries and usage to the durable outbox), new calls are refused before any model call because their
/// idempotency keys cannot be claimed. The store comes back; once every call begun during the outage has ended and calls
/// are in flight again, one worker is killed with SIGKILL. It is restarted on the same file and settings; it replays the
/// dead process's outbox and runs its share again (the idempotency keys make every call the dead process finished a no-op),
/// and both workers exit.
/// </summary>
/// <remarks>
/// Every attempt was journaled (attempt id, key, reservation) before its request left: in the store, or in the outbox while
/// the store was down. Once both workers have exited, the store resolves the attempts still in flight as outcome-unknown
/// (what a start-up with no other instance running does) and lists them. Then, with no tolerance: every response the
/// service billed is either one ledger row or one unknown-outcome attempt, matched through the test header, per key and
/// every token kind; nothing is doubled; every call the dead process saw succeed is in the ledger and is recognised by the
/// restarted worker (same key, same response), never billed again; and the limits held.
/// </remarks>
[Trait("Category", "Reconciliation")]
public sealed partial class KillAndRestartReconciliationTests
{
    private const int Calls = 1_200;
    private const int Concurrency = 8;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task ExtractAsync_WorkerKilledWithCallsInFlightAfterAStoreOutageAndRestarted_LedgerPlusUnknownOutcomesEqualsBillingExactly()
    {
        // Writes give up after 1 s on the lock, so the outage shows within seconds. Outbox files are replayed when a worker
        // starts and before it exits, not by a background loop: so it is the restarted worker that replays the dead one's.
        // Lost answers too: an attempt whose answer is lost during the outage was journaled in the outbox, so it is named.
        await using var run = await MultiProcessRun.StartAsync(
            seed: 20261127, workers: 2, Calls, Concurrency, busyTimeout: TimeSpan.FromSeconds(1), outboxReplayInterval: TimeSpan.FromDays(7), idempotent: true, lostAnswers: true);
        var doomed = run.StartWorker(0);
        var survivor = run.StartWorker(1);
        var share = run.ShareOf(0).ToList();

        await doomed.WaitUntilAsync(w => w.Ends >= share.Count / 8, "an eighth of its calls", Timeout);
        HashSet<int> begunBeforeRestore;
        await using (await run.TakeStoreDownAsync())
        {
            // Two diversions logged (journal entries or usage records fsync'd in the outbox), and a call refused because its
            // idempotency key could not be claimed. A worker that ran out of calls first would never satisfy this: that fails at once.
            await doomed.WaitUntilAsync(
                w =>
                {
                    Assert.True(w.Ends < share.Count, "The worker finished its share before the outage showed: the run is too short for this machine.");
                    return w.Diversions >= 2 && w.Lines.Any(l => WorkerProcess.IsEvent(l, 2311));
                },
                "records diverted to the outbox twice and a call refused unclaimed",
                Timeout);
            begunBeforeRestore = doomed.Journal().Begun;
        }

        // The store is back. Every call begun during the outage ends, then calls are in flight again: the kill comes now.
        await doomed.WaitUntilAsync(
            w =>
            {
                Assert.True(w.Ends < share.Count, "The worker finished its share before the kill: the run is too short for this machine.");
                var (begun, ended) = w.Journal();
                return begunBeforeRestore.All(ended.ContainsKey) && begun.Count >= ended.Count + (Concurrency / 2);
            },
            "every call of the outage ended, and calls in flight again",
            Timeout);
        doomed.Kill();
        var outboxFilesAtKill = run.PendingOutboxFiles();

        // The restarted worker waits on the lock as a default configuration does (30 s): its start-up replay of the outbox
        // must not give up while the survivor is writing.
        var restarted = run.StartWorker(0, "--InvoiceOcr:Sqlite:BusyTimeout=00:00:30");
        foreach (var worker in new[] { restarted, survivor })
        {
            Assert.True(await worker.WaitForExitAsync(MultiProcessRun.WorkerTimeout) == 0, worker.Name + " failed:\n" + string.Join('\n', worker.Errors));
        }

        // The outage happened in the dead worker: it refused calls it could not claim and put records in its outbox.
        Assert.Contains(doomed.Lines, l => WorkerProcess.IsEvent(l, 2311));
        Assert.True(outboxFilesAtKill > 0, "The killed worker left no outbox.");
        Assert.Equal(0, run.PendingOutboxFiles());

        // The dead worker's journal: the calls it began and never ended were in flight when it died.
        var (begun, ended) = doomed.Journal();
        var inFlight = begun.Except(ended.Keys).Order().ToList();
        Assert.InRange(inFlight.Count, 1, Concurrency);

        // The restarted worker replayed, as it started, what the dead one had put in the outbox.
        var diverted = CountOf(doomed.Lines, 4101);
        var replayed = CountOf(restarted.Lines.TakeWhile(l => l != "ready"), 4102);
        Assert.InRange(replayed, 1, diverted);

        // It ran the whole share again. Every call the dead worker saw succeed is recognized as done, with the same key and
        // response, and is not billed again: no exemption (a call is never run unclaimed, and a success completes its operation
        // in its ledger row's transaction, or in the same outbox record).
        var (rebegun, reended) = restarted.Journal();
        Assert.Equal(share, rebegun.Order());
        Assert.Equal(share, reended.Keys.Order());
        var succeededBefore = ended.Where(e => e.Value[0] == "ok").ToList();
        Assert.NotEmpty(succeededBefore);
        foreach (var (n, before) in succeededBefore)
        {
            var again = reended[n];
            Assert.True(
                again[0] is "ok" or "done-before" && again[1] == before[1] && again[2] == before[2],
                string.Create(CultureInfo.InvariantCulture, $"Call {n} succeeded before the kill ({string.Join(' ', before)}) but the restarted worker says: {string.Join(' ', again)}; ") +
                string.Join(" | ", restarted.Lines.Where(l => l.StartsWith("failure ", StringComparison.Ordinal)).Take(3)));
        }

        var refused = ended.Count(e => e.Value[0] == "failed" && e.Value.Length > 1 && e.Value[1] == nameof(Sdk.InvoiceOcrErrorKind.StoreUnavailable));

        var (survivorBegun, survivorEnded) = survivor.Journal();
        Assert.Equal(run.ShareOf(1), survivorBegun.Order());
        Assert.Equal(run.ShareOf(1), survivorEnded.Keys.Order());

        var entries = run.Emulator.Ledger.Entries;
        var sdk = await run.ListSdkUsageAsync();

        // No idempotency key billed twice: each call that succeeded before the kill has exactly one successful ledger row
        // (its failed attempts are other rows or unknown outcomes, matched to the service's billing below).
        var successes = sdk.Where(r => r.Outcome == Sdk.UsageOutcome.Success).GroupBy(r => r.OperationId).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        Assert.All(succeededBefore, e => Assert.True(
            successes.GetValueOrDefault(e.Value[3]) == 1,
            string.Create(CultureInfo.InvariantCulture, $"Call {e.Key} (operation {e.Value[3]}) has {successes.GetValueOrDefault(e.Value[3])} successful ledger rows: billed twice.")));
        MultiProcessChecks.AssertUnderFire(run, entries, sdk);

        // Every acknowledged success is in the ledger.
        var recorded = sdk.Select(r => r.ResponseId!).ToHashSet(StringComparer.Ordinal);
        Assert.All(ended.Values.Where(e => e[0] == "ok"), e => Assert.Contains(e[2], recorded));

        // Zero tolerance: every billed response is one ledger row or one attempt named as outcome-unknown (the dead worker's
        // in-flight attempts, resolved now that no instance runs), per key and every token kind.
        var unknown = await run.ResolveAndListUnknownOutcomesAsync();
        var missing = entries.Where(e => !recorded.Contains(e.ResponseId)).ToList();
        var unknownIds = unknown.Select(u => u.AttemptId).ToHashSet(StringComparer.Ordinal);
        Assert.All(missing, e => Assert.True(
            unknownIds.Contains(e.TestAttempt ?? string.Empty),
            $"Billed response {e.ResponseId} (attempt {e.TestAttempt}, key {e.KeyId}) is neither in the ledger nor named as outcome-unknown."));
        Reconciliation.AssertLedgersEqual([.. entries.Where(e => recorded.Contains(e.ResponseId))], run.Keys, sdk);
        Reconciliation.AssertEveryTokenKind(entries, sdk);
        Reconciliation.AssertLimitsHeld(entries, sdk, await run.Store.GetAsync("c0-a", CancellationToken.None), MultiProcessRun.RequestsPerDayC1A);

        // Of the unrecorded responses, those the dead worker had read (its "GeminiResponse" log line names the response) died
        // between the answer and its ledger row; the rest it never read.
        var read = missing.Count(e => doomed.Lines.Any(l => WorkerProcess.IsEvent(l, 2202) && l.Contains(e.ResponseId, StringComparison.Ordinal)));
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Killed with {inFlight.Count} calls in flight; {missing.Count} billed responses not in the ledger ({read} read by the dead process, {missing.Count - read} never read), all named among {unknown.Count} unknown-outcome attempts; " +
            $"{entries.Count} billed calls; {diverted} records diverted, {replayed} replayed by the restarted worker; {refused} calls refused by the dead worker because the store could not claim them; {succeededBefore.Count} calls succeeded before the kill, none billed again."));

        await MultiProcessChecks.AssertNoSecretLeaksAsync(run);
    }

    /// <summary>Sums the Count values of every log line with this event id.</summary>
    private static int CountOf(IEnumerable<string> lines, int eventId) =>
        lines.Where(l => WorkerProcess.IsEvent(l, eventId))
            .Sum(l => CountValue().Match(l) is { Success: true } match
                ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
                : throw new InvalidOperationException("No Count in: " + l));

    [GeneratedRegex(@" Count=(\d+) ")]
    private static partial Regex CountValue();
}
