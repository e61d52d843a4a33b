using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.StoreContract;

/// <summary>
/// Quota admission under concurrency, for every store backend: many callers reserving at once never pass a request or
/// token limit, and random interleavings of reserve, settle, release and clock moves keep every window, lifetime and
/// counter within its limit. A backend derives from this class like from <see cref="StoreContractTests"/>.
/// </summary>
public abstract class QuotaConcurrencyContractTests
{
    private const int Callers = 64;

    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 20, TimeSpan.Zero);

    private static readonly Gen<Op> GenOp = Gen.Frequency(
        (6, Gen.Select(Gen.Int[0, 2], Gen.Int[1, 2500], (k, t) => (Op)new ReserveOp(k, t))),
        (3, Gen.Select(Gen.Int[0, 1000], Gen.Int[0, 100], (i, p) => (Op)new SettleOp(i, p))),
        (2, Gen.Int[0, 1000].Select(i => (Op)new ReleaseOp(i))),
        (1, Gen.Int[1, 90].Select(s => (Op)new AdvanceOp(s))));

    private static readonly Gen<World> GenWorld = Gen.Select(
        Gen.Int[1, 5].Array[3],
        Gen.Int[1, 8].Array[3],
        Gen.Int[1, 6],
        GenOp.Array[1, 80],
        (rpm, tpm, projectRpm, ops) => new World(rpm, [.. tpm.Select(t => t * 1000L)], projectRpm * 2, ops));

    /// <summary>Gets how many times each concurrency test repeats (a database backend may lower it).</summary>
    protected virtual int Iterations => 20;

    /// <summary>Gets how many random worlds each property test runs.</summary>
    protected virtual int PropertyIterations => 60;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Creates a fresh, empty store whose clock is <paramref name="clock"/>.</summary>
    protected abstract Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock);

    [Fact]
    public async Task ReserveAsync_64ConcurrentCallersAgainst10RequestsPerMinute_GrantExactly10()
    {
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            await using var s = await CreateStoreAsync(new FakeTimeProvider(Start));
            await s.Keys.AddAsync(Key("k-1", "p-1"), Ct);
            await s.Keys.SetProjectLimitsAsync("p-1", new QuotaLimits { RequestsPerMinute = 10, TokensPerMinute = 10_500 }, Ct);

            var results = await RunConcurrentlyAsync(_ => s.Quotas.ReserveAsync(Request("k-1", 900), Ct));

            Assert.Equal(10, results.Count(r => r.IsGranted));
            Assert.All(results.Where(r => !r.IsGranted), r => Assert.Equal(QuotaRejectionReason.ProjectMinuteLimit, r.Reason));
            var window = await s.Quotas.GetWindowUsageAsync(QuotaScope.Project, "p-1", Ct);
            Assert.Equal((10L, 9_000L), (window.MinuteRequests, window.MinuteTokens));
            Assert.Equal(9_000, (await s.Keys.GetAsync("k-1", Ct))!.TokensReserved);
        }
    }

    [Fact]
    public async Task ReserveAsync_64ConcurrentCallersAgainstATokenBudget_NeverGrantMoreThanTheBudget()
    {
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            await using var s = await CreateStoreAsync(new FakeTimeProvider(Start));
            await s.Keys.AddAsync(Key("k-1", "p-1") with { LifetimeTokenLimit = 20_000 }, Ct);
            await s.Keys.AddAsync(Key("k-2", "p-1"), Ct);
            await s.Keys.SetProjectLimitsAsync("p-1", new QuotaLimits { TokensPerMinute = 5_500 }, Ct);
            var random = new Random(iteration);
            var estimates = Enumerable.Range(0, Callers).Select(_ => (long)random.Next(400, 1500)).ToArray();

            var results = await RunConcurrentlyAsync(i => s.Quotas.ReserveAsync(Request(i % 2 == 0 ? "k-1" : "k-2", estimates[i]), Ct));

            var granted = results.Where(r => r.IsGranted).Select(r => r.Reservation!).ToList();
            Assert.InRange(granted.Sum(r => r.Tokens), 1, 5_500);
            var window = await s.Quotas.GetWindowUsageAsync(QuotaScope.Project, "p-1", Ct);
            Assert.Equal((granted.Count, granted.Sum(r => r.Tokens)), ((int)window.MinuteRequests, window.MinuteTokens));
            Assert.Equal(granted.Where(r => r.KeyId == "k-1").Sum(r => r.Tokens), (await s.Keys.GetAsync("k-1", Ct))!.TokensReserved);
        }
    }

    [Fact]
    public async Task RandomSequentialInterleavings_NeverPassALimitAndKeepCountersExact()
    {
        await EnsureBackendAsync();
        await GenWorld.SampleAsync(world => RunAsync(world, lanes: 1), iter: PropertyIterations, threads: 1);
    }

    [Fact]
    public async Task RandomConcurrentInterleavings_NeverPassALimitAndKeepCountersExact()
    {
        await EnsureBackendAsync();
        await GenWorld.SampleAsync(world => RunAsync(world, lanes: 4), iter: PropertyIterations, threads: 1);
    }

    /// <summary>Creates one store outside the sampler, so a backend that is not available here skips the test instead of failing every sample.</summary>
    private async Task EnsureBackendAsync()
    {
        await using var probe = await CreateStoreAsync(new FakeTimeProvider(Start));
    }

    private static ApiKey Key(string id, string project) => new() { Id = id, CompanyId = "c-1", ProjectId = project, Secret = $"test-key-{id}-0123456789" };

    private static QuotaReservationRequest Request(string keyId, long tokens) => new(keyId, "c-1", tokens, TimeSpan.FromMinutes(10));

    private static async Task<QuotaReservationResult[]> RunConcurrentlyAsync(Func<int, Task<QuotaReservationResult>> reserve)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, Callers).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await reserve(i);
        })).ToArray();
        start.SetResult();
        return await Task.WhenAll(tasks);
    }

    private async Task RunAsync(World world, int lanes)
    {
        var clock = new FakeTimeProvider(Start);
        await using var s = await CreateStoreAsync(clock);
        for (var k = 0; k < 3; k++)
        {
            // Keys 0 and 1 share project p-a; key 2 is alone in p-b. Key 0 also has a lifetime limit.
            await s.Keys.AddAsync(
                Key("k-" + k, k < 2 ? "p-a" : "p-b") with
                {
                    LifetimeTokenLimit = k == 0 ? 6_000 : null,
                    Rates = new QuotaLimits { RequestsPerMinute = world.KeyRpm[k], TokensPerMinute = world.KeyTpm[k] },
                },
                Ct);
        }

        await s.Keys.SetProjectLimitsAsync("p-a", new QuotaLimits { RequestsPerMinute = world.ProjectRpm }, Ct);
        var held = new List<QuotaReservation>();
        var gate = new Lock();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, lanes).Select(lane => Task.Run(async () =>
        {
            await start.Task;
            for (var i = lane; i < world.Ops.Length; i += lanes)
            {
                await ApplyAsync(world.Ops[i], s, clock, held, gate);
                if (lanes == 1)
                {
                    await CheckAsync(world, s);
                }
            }
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(tasks);
        await CheckAsync(world, s);

        // Every open reservation is still held on its key: nothing lost, nothing counted twice.
        for (var k = 0; k < 3; k++)
        {
            List<QuotaReservation> open;
            lock (gate)
            {
                open = [.. held.Where(r => r.KeyId == "k-" + k)];
            }

            Assert.Equal(open.Sum(r => r.Tokens), (await s.Keys.GetAsync("k-" + k, Ct))!.TokensReserved);
        }
    }

    private static async Task ApplyAsync(Op op, StoreUnderTest s, FakeTimeProvider clock, List<QuotaReservation> held, Lock gate)
    {
        switch (op)
        {
            case ReserveOp reserve:
                var result = await s.Quotas.ReserveAsync(Request("k-" + reserve.Key, reserve.Tokens), Ct);
                if (result.Reservation is { } granted)
                {
                    lock (gate)
                    {
                        held.Add(granted);
                    }
                }

                break;
            case SettleOp settle when Take(held, gate, settle.Index) is { } reservation:
                Assert.NotNull(await s.Quotas.SettleAsync(reservation.Id, reservation.Tokens * settle.Percent / 100, Ct));
                break;
            case ReleaseOp release when Take(held, gate, release.Index) is { } reservation:
                Assert.True(await s.Quotas.ReleaseAsync(reservation.Id, Ct));
                break;
            case AdvanceOp advance:
                lock (gate)
                {
                    clock.Advance(TimeSpan.FromSeconds(advance.Seconds));
                }

                break;
        }
    }

    private static QuotaReservation? Take(List<QuotaReservation> held, Lock gate, int index)
    {
        lock (gate)
        {
            if (held.Count == 0)
            {
                return null;
            }

            var reservation = held[index % held.Count];
            held.Remove(reservation);
            return reservation;
        }
    }

    private static async Task CheckAsync(World world, StoreUnderTest s)
    {
        var projectRequests = 0L;
        for (var k = 0; k < 3; k++)
        {
            var window = await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-" + k, Ct);
            Assert.InRange(window.MinuteRequests, 0, world.KeyRpm[k]);
            Assert.InRange(window.MinuteTokens, 0, world.KeyTpm[k]);
            var key = (await s.Keys.GetAsync("k-" + k, Ct))!;
            Assert.True(key.TokensReserved >= 0 && key.TokensUsed >= 0, "Counters went negative.");
            if (key.LifetimeTokenLimit is { } lifetime)
            {
                Assert.InRange(key.TokensUsed + key.TokensReserved, 0, lifetime);
            }
        }

        projectRequests += (await s.Quotas.GetWindowUsageAsync(QuotaScope.Project, "p-a", Ct)).MinuteRequests;
        Assert.InRange(projectRequests, 0, world.ProjectRpm);
    }

    private abstract record Op;

    private sealed record ReserveOp(int Key, long Tokens) : Op;

    private sealed record SettleOp(int Index, int Percent) : Op;

    private sealed record ReleaseOp(int Index) : Op;

    private sealed record AdvanceOp(int Seconds) : Op;

    private sealed record World(int[] KeyRpm, long[] KeyTpm, int ProjectRpm, Op[] Ops);
}
