using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.StoreContract;

/// <summary>
/// Quota admission under concurrency, for every store backend: many callers reserving at once never pass a request or
/// token limit, random interleavings of reserve, settle, release and clock moves keep every window, lifetime and
/// counter within its limit, no 60-second span (wherever it starts) admits more than the per-minute limits, and a
/// steady stream at exactly the limit is admitted. A backend derives from this class like from <see cref="StoreContractTests"/>.
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

    // Request times (gaps of 0 to 40 s, often within one second), keys, sizes and what becomes of each grant.
    private static readonly Gen<Arrival> GenArrival = Gen.Select(
        Gen.Frequency((3, Gen.Const(0)), (5, Gen.Int[1, 3_000]), (2, Gen.Int[3_000, 40_000])),
        Gen.Int[0, 1],
        Gen.Int[1, 2_000],
        Gen.Int[0, 3],
        Gen.Int[0, 100],
        (gapMs, key, tokens, fate, percent) => new Arrival(gapMs, key, tokens, (Fate)fate, percent));

    private static readonly Gen<SpanWorld> GenSpanWorld = Gen.Select(
        Gen.Int[1, 6].Array[2],
        Gen.Int[2, 6].Array[2],
        Gen.Int[2, 8],
        Gen.Int[3, 10],
        GenArrival.Array[20, 120],
        (rpm, tpm, projectRpm, projectTpm, arrivals) => new SpanWorld(rpm, [.. tpm.Select(t => t * 1000L)], projectRpm, projectTpm * 1000L, arrivals));

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

    [Fact]
    public async Task RandomRequestTimesAndSizes_NoSixtySecondSpanAdmitsMoreThanThePerMinuteLimits()
    {
        await EnsureBackendAsync();
        await GenSpanWorld.SampleAsync(world => RunSpansAsync(world, lanes: 1), iter: PropertyIterations, threads: 1);
    }

    [Fact]
    public async Task RandomConcurrentRequestTimesAndSizes_NoSixtySecondSpanAdmitsMoreThanThePerMinuteLimits()
    {
        await EnsureBackendAsync();
        await GenSpanWorld.SampleAsync(world => RunSpansAsync(world, lanes: 3), iter: PropertyIterations, threads: 1);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(7)]
    [InlineData(30)]
    [InlineData(60)]
    [InlineData(90)]
    public async Task SteadyStreamAtExactlyTheProjectLimit_IsAdmittedInFullUpToOneASecondAndAtLeast97PercentAbove(int perMinute)
    {
        // The project's RPM and TPM both allow exactly this stream: one 1,000-token request every 60/perMinute seconds,
        // starting at a phase that is not a whole second, for five minutes.
        var clock = new FakeTimeProvider(Start.AddTicks(3_141_592));
        await using var s = await CreateStoreAsync(clock);
        await s.Keys.AddAsync(Key("k-1", "p-1"), Ct);
        await s.Keys.SetProjectLimitsAsync("p-1", new QuotaLimits { RequestsPerMinute = perMinute, TokensPerMinute = perMinute * 1_000L }, Ct);
        var first = clock.GetUtcNow();
        var arrivals = 5 * perMinute;
        var admitted = 0;

        for (var k = 0; k < arrivals; k++)
        {
            // Arrival k at exactly k/perMinute minutes (to the tick, rounded down): never faster than the limit.
            clock.SetUtcNow(first.AddTicks(k * TimeSpan.TicksPerMinute / perMinute));
            var result = await s.Quotas.ReserveAsync(Request("k-1", 1_000), Ct);
            if (result.Reservation is { } granted)
            {
                admitted++;
                Assert.NotNull(await s.Quotas.SettleAsync(granted.Id, 1_000, Ct));
            }
        }

        if (perMinute <= 60)
        {
            Assert.Equal(arrivals, admitted);
        }
        else
        {
            Assert.InRange(admitted, (int)Math.Ceiling(arrivals * 0.97), arrivals);
        }
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

    /// <summary>
    /// Sends the world's requests at their times (from <paramref name="lanes"/> callers at once, each moving the shared
    /// clock), settles lower, settles at the estimate, releases or keeps each grant, then checks every 60-second span that
    /// starts at a grant: its grants' requests, and the tokens they hold now, stay within each key's and the project's
    /// per-minute limits. A grant's time is the store's (<see cref="QuotaReservation.CreatedAt"/>).
    /// </summary>
    private async Task RunSpansAsync(SpanWorld world, int lanes)
    {
        var clock = new FakeTimeProvider(Start);
        await using var s = await CreateStoreAsync(clock);
        for (var k = 0; k < 2; k++)
        {
            await s.Keys.AddAsync(Key("k-" + k, "p-a") with { Rates = new QuotaLimits { RequestsPerMinute = world.KeyRpm[k], TokensPerMinute = world.KeyTpm[k] } }, Ct);
        }

        await s.Keys.SetProjectLimitsAsync("p-a", new QuotaLimits { RequestsPerMinute = world.ProjectRpm, TokensPerMinute = world.ProjectTpm }, Ct);
        var granted = new List<(DateTimeOffset At, int Key, long Tokens)>();
        var gate = new Lock();
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, lanes).Select(lane => Task.Run(async () =>
        {
            await start.Task;
            for (var i = lane; i < world.Arrivals.Length; i += lanes)
            {
                var arrival = world.Arrivals[i];
                lock (gate)
                {
                    clock.Advance(TimeSpan.FromMilliseconds(arrival.GapMs));
                }

                var result = await s.Quotas.ReserveAsync(Request("k-" + arrival.Key, arrival.Tokens), Ct);
                if (result.Reservation is not { } reservation)
                {
                    Assert.NotEqual(QuotaRejectionReason.None, result.Reason);
                    continue;
                }

                var held = arrival.Fate switch
                {
                    Fate.SettleLower => reservation.Tokens * arrival.Percent / 100,
                    Fate.Release => 0,
                    _ => reservation.Tokens,
                };
                switch (arrival.Fate)
                {
                    case Fate.SettleLower or Fate.SettleAtEstimate:
                        Assert.NotNull(await s.Quotas.SettleAsync(reservation.Id, held, Ct));
                        break;
                    case Fate.Release:
                        Assert.True(await s.Quotas.ReleaseAsync(reservation.Id, Ct));
                        break;
                }

                lock (gate)
                {
                    granted.Add((reservation.CreatedAt, arrival.Key, held));
                }
            }
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(tasks);

        Assert.NotEmpty(granted);
        foreach (var (from, _, _) in granted)
        {
            var span = granted.Where(g => g.At >= from && g.At < from.AddMinutes(1)).ToList();
            for (var k = 0; k < 2; k++)
            {
                var own = span.Where(g => g.Key == k).ToList();
                Assert.True(own.Count <= world.KeyRpm[k], $"Key {k}: {own.Count} requests in the 60 s from {from:O}, RPM {world.KeyRpm[k]}.");
                Assert.True(own.Sum(g => g.Tokens) <= world.KeyTpm[k], $"Key {k}: {own.Sum(g => g.Tokens)} tokens in the 60 s from {from:O}, TPM {world.KeyTpm[k]}.");
            }

            Assert.True(span.Count <= world.ProjectRpm, $"Project: {span.Count} requests in the 60 s from {from:O}, RPM {world.ProjectRpm}.");
            Assert.True(span.Sum(g => g.Tokens) <= world.ProjectTpm, $"Project: {span.Sum(g => g.Tokens)} tokens in the 60 s from {from:O}, TPM {world.ProjectTpm}.");
        }
    }

    private abstract record Op;

    private sealed record ReserveOp(int Key, long Tokens) : Op;

    private sealed record SettleOp(int Index, int Percent) : Op;

    private sealed record ReleaseOp(int Index) : Op;

    private sealed record AdvanceOp(int Seconds) : Op;

    private sealed record World(int[] KeyRpm, long[] KeyTpm, int ProjectRpm, Op[] Ops);

    private enum Fate
    {
        Keep = 0,
        SettleLower = 1,
        SettleAtEstimate = 2,
        Release = 3,
    }

    private sealed record Arrival(int GapMs, int Key, long Tokens, Fate Fate, int Percent);

    private sealed record SpanWorld(int[] KeyRpm, long[] KeyTpm, int ProjectRpm, long ProjectTpm, Arrival[] Arrivals);
}
