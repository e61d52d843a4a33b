using System.Globalization;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// 50 idempotency races: race r is 2 to 8 concurrent calls with the same idempotency key ("race-r") for one company, spread
/// over two OS processes sharing one SQLite store, all started at the same fake instant. Exactly one call of each race runs
/// the model; the others are told the operation is in progress and, asking again, get its stored outcome (the same key
/// and response) with no model call. The emulator billed once per idempotency key, and the shared ledger equals its
/// billing per key, every token kind.
/// </summary>
[Trait("Category", "Reconciliation")]
public sealed class RaceReconciliationTests
{
    private const int Races = 50;

    /// <summary>Race r has 2 to 8 calls (the worker's formula).</summary>
    public static int RaceSize(int race) => 2 + (race % 7);

    [Fact]
    public async Task ExtractAsync_50SameKeyRacesOverTwoOsProcesses_TheModelIsCalledOncePerKeyAndLedgersMatch()
    {
        // No injected faults: every billed call is the one model call of its race, so "once per key" is exact.
        await using var run = await MultiProcessRun.StartAsync(
            seed: 20261203, workers: 2, calls: 0, concurrency: 1, busyTimeout: TimeSpan.FromSeconds(30), outboxReplayInterval: TimeSpan.FromMinutes(1), idempotent: true, races: Races, faults: false);

        var workers = new[] { run.StartWorker(0), run.StartWorker(1) };
        foreach (var worker in workers)
        {
            Assert.True(await worker.WaitForExitAsync(MultiProcessRun.WorkerTimeout) == 0, worker.Name + " failed:\n" + string.Join('\n', worker.Errors));
        }

        // Every call of every race ended with the race's one outcome: the same key and response, whichever process asked.
        var outcomes = new Dictionary<int, List<(int Call, string[] End)>>();
        for (var index = 0; index < workers.Length; index++)
        {
            var (begun, ended) = workers[index].Journal();
            var expected = Enumerable.Range(0, Races).SelectMany(r => Enumerable.Range(0, RaceSize(r)).Where(j => j % workers.Length == index).Select(j => (r * 10) + j)).Order();
            Assert.Equal(expected, begun.Order());
            Assert.Equal(begun.Order(), ended.Keys.Order());
            foreach (var (n, end) in ended)
            {
                (outcomes.TryGetValue(n / 10, out var list) ? list : outcomes[n / 10] = []).Add((n, end));
            }
        }

        Assert.Equal(Races, outcomes.Count);
        foreach (var (race, calls) in outcomes)
        {
            Assert.Equal(RaceSize(race), calls.Count);
            Assert.All(calls, c => Assert.True(c.End[0] is "ok" or "done-before", string.Create(CultureInfo.InvariantCulture, $"Race {race}, call {c.Call}: {string.Join(' ', c.End)}")));
            Assert.Single(calls.Select(c => (c.End[1], c.End[2])).Distinct());
        }

        // The races really overlapped: calls were told the operation was in progress (a second caller while the first ran).
        var inProgress = workers.Sum(w => w.Lines.Count(l => l.StartsWith("in-progress ", StringComparison.Ordinal)));
        Assert.True(inProgress > 0, "No call was ever told its operation was in progress: the races did not overlap.");

        // The model was called once per idempotency key: one billed call per race, each the ledger row of one operation.
        var entries = run.Emulator.Ledger.Entries;
        var sdk = await run.ListSdkUsageAsync();
        Assert.Equal(Races, entries.Count);
        Assert.Equal(Races, sdk.Select(r => r.OperationId).Distinct(StringComparer.Ordinal).Count());
        var responses = outcomes.Values.Select(calls => calls[0].End[2]).Order(StringComparer.Ordinal);
        Assert.Equal(responses, entries.Select(e => e.ResponseId).Order(StringComparer.Ordinal));

        // Ledger == billing per key, every token kind (thoughts and cached tokens included, and non-zero).
        Reconciliation.AssertLedgersEqual(entries, run.Keys, sdk, await run.ListUnknownOutcomeAttemptsAsync());
        Reconciliation.AssertEveryTokenKind(entries, sdk);

        TestContext.Current.TestOutputHelper?.WriteLine(FormattableString.Invariant(
            $"{Races} races, {outcomes.Values.Sum(c => c.Count)} calls, {entries.Count} billed calls, {inProgress} in-progress answers; ") +
            string.Join(", ", workers.Select(w => w.Name + " " + w.Lines.Last())));
    }
}
