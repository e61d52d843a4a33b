using System.Globalization;
using System.Text.RegularExpressions;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// Two worker processes share one SQLite file under the usual faults. A quarter of the way in, the store becomes
/// unavailable (another connection holds its write lock): keys come from the fallback list and usage goes to the durable
/// outbox. While it is down and calls are in flight, one worker is killed with SIGKILL. The store comes back, the worker
/// is restarted on the same file and settings; it replays the dead process's outbox and runs its share again (the
/// idempotency keys make every call the dead process finished a no-op), and both workers exit cleanly.
/// </summary>
/// <remarks>
/// <para>What is exact, and asserted:</para>
/// <list type="bullet">
/// <item>nothing doubled: one ledger row per usage id and per billed response; no call the dead process finished is billed again;</item>
/// <item>nothing invented: every row of the SDK's ledger is a response the emulator billed, on the same key and project,
/// with every token count equal;</item>
/// <item>nothing acknowledged is lost: every call the dead process saw succeed (including those whose usage sat in its
/// outbox when it died) is in the ledger, and the restarted process replayed that outbox;</item>
/// <item>per key, the SDK's totals plus the unrecorded in-flight calls below equal the emulator's, and no limit was passed.</item>
/// </list>
/// <para>What cannot be exact: a call in flight at the kill may have been billed by the service and never recorded
/// (the process died before reading the answer, or after reading it but before its usage was durable). The SDK keeps no
/// durable record of an attempt before its usage row, so after a restart it cannot name those calls: reservations carry no
/// operation or attempt id, a fallback lease taken while the store is down reserves nothing, and the executor settles a
/// reservation before the usage row is durable. They are identified from the dead worker's own journal instead: the
/// calls it began and never ended. Each such call has at most one attempt outstanding (a failed attempt's usage is
/// durable before the next attempt starts), so the billed responses missing from the SDK's ledger number at most the
/// calls in flight, which are at most the worker's concurrency; nothing else may be missing.</para>
/// </remarks>
[Trait("Category", "Reconciliation")]
public sealed partial class KillAndRestartReconciliationTests
{
    private const int Calls = 1_200;
    private const int Concurrency = 8;
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task ExtractAsync_WorkerKilledDuringAStoreOutageAndRestarted_LedgersMatchExceptTheCallsInFlightAtTheKill()
    {
        // Writes give up after 1 s on the lock, so the outage shows within seconds. Outbox files are replayed when a worker
        // starts and before it exits, not by a background loop: so it is the restarted worker that replays the dead one's.
        await using var run = await MultiProcessRun.StartAsync(
            seed: 20261127, workers: 2, Calls, Concurrency, busyTimeout: TimeSpan.FromSeconds(1), outboxReplayInterval: TimeSpan.FromDays(7), idempotent: true);
        var doomed = run.StartWorker(0);
        var survivor = run.StartWorker(1);
        var share = run.ShareOf(0).ToList();

        await doomed.WaitUntilAsync(w => w.Ends >= share.Count / 8, "an eighth of its calls", Timeout);
        int outboxFilesAtKill;
        await using (await run.TakeStoreDownAsync())
        {
            // Two diversions logged: the first batch is fsync'd in the outbox (batches go one after another). A call has
            // taken a fallback key: calls now run without the store. And calls are in flight right now. A worker that
            // ran out of calls first would never satisfy this: that fails at once rather than at the time-out.
            await doomed.WaitUntilAsync(
                w =>
                {
                    Assert.True(w.Ends < share.Count, "The worker finished its share before the kill: the run is too short for this machine.");
                    var (begun, ended) = w.Journal();
                    return w.Diversions >= 2 && w.Lines.Any(l => WorkerProcess.IsEvent(l, 1303)) && begun.Count > ended.Count;
                },
                "usage diverted to the outbox twice, a fallback key taken, and calls in flight",
                Timeout);
            doomed.Kill();
            outboxFilesAtKill = run.PendingOutboxFiles();
        }

        // The restarted worker waits on the lock as a default configuration does (30 s): its start-up replay of the outbox
        // must not give up while the survivor is writing. (When it does give up, the SDK starts traffic anyway and its
        // idempotency check, which reads only the database, re-runs calls whose success still sits in the outbox: billed twice.)
        var restarted = run.StartWorker(0, "--InvoiceOcr:Sqlite:BusyTimeout=00:00:30");
        foreach (var worker in new[] { restarted, survivor })
        {
            Assert.True(await worker.WaitForExitAsync(MultiProcessRun.WorkerTimeout) == 0, worker.Name + " failed:\n" + string.Join('\n', worker.Errors));
        }

        // The kill came during the outage: the dead worker had taken fallback keys and put usage in its outbox.
        Assert.Contains(doomed.Lines, l => WorkerProcess.IsEvent(l, 1303));
        Assert.True(outboxFilesAtKill > 0, "The killed worker left no outbox.");
        Assert.Equal(0, run.PendingOutboxFiles());

        // The dead worker's journal: the calls it began and never ended were in flight when it died.
        var (begun, ended) = doomed.Journal();
        var inFlight = begun.Except(ended.Keys).Order().ToList();
        Assert.InRange(inFlight.Count, 1, Concurrency);

        // The restarted worker replayed, as it started, what the dead one had put in the outbox (records are logged before
        // they are appended, so at most what was logged; the survivor's files stay locked by the survivor).
        var diverted = CountOf(doomed.Lines, 4101);
        var replayed = CountOf(restarted.Lines.TakeWhile(l => l != "ready"), 4102);
        Assert.InRange(replayed, 1, diverted);

        // It ran the whole share again. Every call the dead worker saw succeed is recognized as done, with the same key and
        // response, and is not billed again; "done" is said of no other call except one that succeeded just as it died.
        var (rebegun, reended) = restarted.Journal();
        Assert.Equal(share, rebegun.Order());
        Assert.Equal(share, reended.Keys.Order());
        foreach (var (n, before) in ended.Where(e => e.Value[0] == "ok"))
        {
            Assert.Equal((n, "done-before " + before[1] + " " + before[2]), (n, string.Join(' ', reended[n])));
        }

        Assert.All(reended.Where(e => e.Value[0] == "done-before"), e => Assert.True(
            (ended.TryGetValue(e.Key, out var before) && before[0] == "ok") || inFlight.Contains(e.Key),
            string.Create(CultureInfo.InvariantCulture, $"Call {e.Key} was reported done by the restarted worker but never succeeded before.")));

        var (survivorBegun, survivorEnded) = survivor.Journal();
        Assert.Equal(run.ShareOf(1), survivorBegun.Order());
        Assert.Equal(run.ShareOf(1), survivorEnded.Keys.Order());

        var entries = run.Emulator.Ledger.Entries;
        var sdk = await run.ListSdkUsageAsync();
        MultiProcessChecks.AssertUnderFire(run, entries, sdk);

        // Nothing doubled, nothing invented: each SDK row is one billed response, on its key, with every token count.
        Assert.Equal(sdk.Count, sdk.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(sdk.Count, sdk.Select(r => r.ResponseId).Distinct(StringComparer.Ordinal).Count());
        var billed = entries.ToDictionary(e => e.ResponseId, StringComparer.Ordinal);
        Assert.All(sdk, r =>
        {
            Assert.True(billed.TryGetValue(r.ResponseId ?? string.Empty, out var e), "The SDK recorded a response the service never billed: " + r.ResponseId);
            Assert.Equal(
                (e.KeyId, e.Project, (long)e.PromptTokenCount, (long)e.CandidatesTokenCount, (long)e.CachedContentTokenCount, (long)e.ToolUsePromptTokenCount, (long)e.ThoughtsTokenCount, (long)e.TotalTokenCount),
                (r.KeyId, r.ProjectId, r.InputTokens, r.OutputTokens, r.CachedTokens, r.ToolUseTokens, r.ThoughtsTokens, r.TotalTokens));
        });

        // What is missing: billed responses the SDK never recorded, at most one per call in flight at the kill.
        var recorded = sdk.Select(r => r.ResponseId!).ToHashSet(StringComparer.Ordinal);
        var missing = entries.Where(e => !recorded.Contains(e.ResponseId)).ToList();
        Assert.True(
            missing.Count <= inFlight.Count,
            string.Create(CultureInfo.InvariantCulture, $"{missing.Count} billed responses are missing from the SDK's ledger, more than the {inFlight.Count} calls in flight at the kill."));

        // Everything else reconciles exactly, per key; and the limits held at the service, unrecorded calls included.
        Reconciliation.AssertLedgersEqual([.. entries.Where(e => recorded.Contains(e.ResponseId))], run.Keys, sdk);
        Reconciliation.AssertLimitsHeld(entries, sdk, await run.Store.GetAsync("c0-a", CancellationToken.None), MultiProcessRun.RequestsPerDayC1A);

        // Of the missing responses, those the dead worker had read (its "GeminiResponse" log line names the response) died
        // between the answer and its durable usage row; the rest it never read.
        var read = missing.Count(e => doomed.Lines.Any(l => WorkerProcess.IsEvent(l, 2202) && l.Contains(e.ResponseId, StringComparison.Ordinal)));
        var open = await run.ListOpenReservationsAsync();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"Killed with {inFlight.Count} calls in flight; {missing.Count} billed responses unrecorded ({read} read by the dead process, {missing.Count - read} never read); " +
            $"{diverted} records diverted, {replayed} replayed by the restarted worker; {open.Values.Sum()} reservations still held (reclaimed after their time to live)."));

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
