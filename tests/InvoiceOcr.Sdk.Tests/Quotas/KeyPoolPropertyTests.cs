using CsCheck;

namespace InvoiceOcr.Sdk.Tests.Quotas;

/// <summary>
/// Random interleavings of acquire, settle, release, status changes and clock moves over many companies: a lease never
/// carries another company's key, and no key, project or lifetime limit is ever passed: the per-minute token windows hold
/// input tokens within the TPM limits, the day windows and the lifetime limit total tokens within theirs.
/// </summary>
public sealed class KeyPoolPropertyTests
{
    private const string Model = "gemini-2.5-flash";

    private static readonly InvoiceOcrErrorKind[] AllowedRefusals =
        [InvoiceOcrErrorKind.NoKeyAvailable, InvoiceOcrErrorKind.KeyExpired, InvoiceOcrErrorKind.KeyDisabled, InvoiceOcrErrorKind.KeyExceeded, InvoiceOcrErrorKind.LocalQuotaExceeded];

    private static readonly Gen<int?> SmallLimit = Gen.Int[0, 6].Select(v => v == 0 ? (int?)null : v);

    private static readonly Gen<long?> TokenLimit = Gen.Int[0, 8].Select(v => v == 0 ? (long?)null : v * 1000L);

    private static readonly Gen<KeySpec> GenKey = Gen.Select(
        Gen.Select(Gen.Int[0, 4], Gen.Int[0, 2], Gen.Int[1, 5]),
        Gen.Select(SmallLimit, TokenLimit, SmallLimit),
        Gen.Int[0, 6].Select(v => v == 0 ? (long?)null : v * 3000L),
        TokenLimit,
        (a, b, lifetime, tpd) => new KeySpec(a.Item1, a.Item2, a.Item3, b.Item1, b.Item2, b.Item3.HasValue ? b.Item3 * 3 : null, lifetime, tpd.HasValue ? tpd * 3 : null));

    private static readonly Gen<ProjectSpec> GenProject = Gen.Select(SmallLimit, TokenLimit, (rpm, tpm) => new ProjectSpec(rpm.HasValue ? rpm * 2 : null, tpm.HasValue ? tpm * 2 : null));

    private static readonly Gen<Op> GenOp = Gen.Frequency(
        (6, Gen.Select(Gen.Int[0, 5], Gen.Int[0, 2500], Gen.Int[0, 100], (c, t, input) => (Op)new AcquireOp(c, t, input))),
        (3, Gen.Select(Gen.Int[0, 1000], Gen.Int[0, 100], Gen.Int[0, 100], (i, p, input) => (Op)new SettleOp(i, p, input))),
        (2, Gen.Int[0, 1000].Select(i => (Op)new ReleaseOp(i))),
        (1, Gen.Select(Gen.Int[0, 1000], Gen.Enum<ApiKeyStatus>(), (k, s) => (Op)new StatusOp(k, s))),
        (1, Gen.Int[0, 100].Select(s => (Op)new AdvanceOp(s))));

    private static readonly Gen<World> GenWorld = Gen.Select(
        GenKey.Array[1, 12],
        GenProject.Array[3],
        GenOp.Array[1, 150],
        (keys, projects, ops) => new World(keys, projects, ops));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RandomSequentialInterleavings_NeverCrossCompaniesNorPassALimit()
    {
        await GenWorld.SampleAsync(RunSequentialAsync, iter: 300, threads: 1);
    }

    [Fact]
    public async Task RandomConcurrentInterleavings_NeverCrossCompaniesNorPassALimit()
    {
        await GenWorld.SampleAsync(RunConcurrentAsync, iter: 150, threads: 1);
    }

    private static async Task RunSequentialAsync(World world)
    {
        var (store, tokens, time) = await SetUpAsync(world);
        var leases = new List<KeyLease>();
        foreach (var op in world.Ops)
        {
            await ApplyAsync(op, world, store, tokens, time, leases, checkGrantedStatus: true);
            await CheckLimitsAsync(world, store);
        }
    }

    private static async Task RunConcurrentAsync(World world)
    {
        var (store, tokens, time) = await SetUpAsync(world);
        const int lanes = 4;
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, lanes).Select(lane => Task.Run(async () =>
        {
            await start.Task;
            var leases = new List<KeyLease>();
            for (var i = lane; i < world.Ops.Length; i += lanes)
            {
                await ApplyAsync(world.Ops[i], world, store, tokens, time, leases, checkGrantedStatus: false);
            }
        })).ToArray();
        start.SetResult();
        await Task.WhenAll(tasks);
        await CheckLimitsAsync(world, store);
    }

    private static async Task<(InMemoryInvoiceOcrStore Store, ITokenProvider Tokens, Microsoft.Extensions.Time.Testing.FakeTimeProvider Time)> SetUpAsync(World world)
    {
        var (store, tokens, time) = KeyPoolTestKit.Create(seed: world.Keys.Length);
        for (var i = 0; i < world.Keys.Length; i++)
        {
            var spec = world.Keys[i];
            Assert.True(await store.AddAsync(
                new ApiKey
                {
                    Id = KeyId(i),
                    CompanyId = CompanyId(spec.Company),
                    ProjectId = ProjectId(spec.Project),
                    Secret = $"test-key-{i}-0000",
                    Weight = spec.Weight,
                    LifetimeTokenLimit = spec.Lifetime,
                    Rates = new QuotaLimits { RequestsPerMinute = spec.Rpm, TokensPerMinute = spec.Tpm, RequestsPerDay = spec.Rpd, TokensPerDay = spec.Tpd },
                },
                Ct));
        }

        for (var p = 0; p < world.Projects.Length; p++)
        {
            await store.SetProjectLimitsAsync(ProjectId(p), new QuotaLimits { RequestsPerMinute = world.Projects[p].Rpm, TokensPerMinute = world.Projects[p].Tpm }, Ct);
        }

        return (store, tokens, time);
    }

    private static async Task ApplyAsync(
        Op op,
        World world,
        InMemoryInvoiceOcrStore store,
        ITokenProvider tokens,
        Microsoft.Extensions.Time.Testing.FakeTimeProvider time,
        List<KeyLease> leases,
        bool checkGrantedStatus)
    {
        switch (op)
        {
            case AcquireOp acquire:
                var company = CompanyId(acquire.Company);
                try
                {
                    // The prompt is a share of the estimate; the per-minute token windows count only that share.
                    var input = acquire.Tokens * acquire.InputPercent / 100;
                    var lease = await tokens.AcquireAsync(new KeyLeaseRequest(company, Model, acquire.Tokens) { InputTokens = input }, Ct);
                    var key = (await store.GetAsync(lease.KeyId, Ct))!;
                    Assert.Equal(company, lease.CompanyId);
                    Assert.Equal(company, key.CompanyId);
                    Assert.Equal(key.Secret, lease.Secret);
                    Assert.Equal((acquire.Tokens, input), ((int)lease.ReservedTokens, (int)lease.ReservedInputTokens));
                    if (checkGrantedStatus)
                    {
                        Assert.Equal(ApiKeyStatus.Active, key.Status);
                    }

                    leases.Add(lease);
                }
                catch (InvoiceOcrException ex)
                {
                    Assert.Contains(ex.Kind, AllowedRefusals);
                }

                break;

            case SettleOp settle when leases.Count > 0:
                var settled = leases[settle.Lease % leases.Count];
                leases.Remove(settled);
                // The billed prompt is at most its estimate (the SDK counts the prompt by the service's rules) and the billed total.
                var total = (int)(settled.ReservedTokens * settle.Percent / 100);
                var prompt = (int)Math.Min(total, settled.ReservedInputTokens * settle.InputPercent / 100);
                await tokens.SettleAsync(settled, new TokenUsage { TotalTokens = total, InputTokens = prompt }, default, Ct);
                break;

            case ReleaseOp release when leases.Count > 0:
                var released = leases[release.Lease % leases.Count];
                leases.Remove(released);
                await tokens.ReleaseAsync(released, Ct);
                break;

            case StatusOp status:
                await store.TryChangeStatusAsync(KeyId(status.Key % world.Keys.Length), null, status.Status, "property test", Ct);
                break;

            case AdvanceOp advance:
                time.Advance(TimeSpan.FromSeconds(advance.Seconds));
                break;
        }
    }

    private static async Task CheckLimitsAsync(World world, InMemoryInvoiceOcrStore store)
    {
        for (var i = 0; i < world.Keys.Length; i++)
        {
            var spec = world.Keys[i];
            var key = (await store.GetAsync(KeyId(i), Ct))!;
            var usage = await store.GetWindowUsageAsync(QuotaScope.Key, key.Id, Ct);
            Assert.InRange(usage.MinuteRequests, 0, spec.Rpm ?? long.MaxValue);
            Assert.InRange(usage.MinuteTokens, 0, spec.Tpm ?? long.MaxValue);
            Assert.InRange(usage.DayRequests, 0, spec.Rpd ?? long.MaxValue);
            Assert.InRange(usage.DayTokens, 0, spec.Tpd ?? long.MaxValue);
            Assert.InRange(key.TokensUsed + key.TokensReserved, 0, spec.Lifetime ?? long.MaxValue);
        }

        for (var p = 0; p < world.Projects.Length; p++)
        {
            var usage = await store.GetWindowUsageAsync(QuotaScope.Project, ProjectId(p), Ct);
            Assert.InRange(usage.MinuteRequests, 0, world.Projects[p].Rpm ?? long.MaxValue);
            Assert.InRange(usage.MinuteTokens, 0, world.Projects[p].Tpm ?? long.MaxValue);
        }
    }

    private static string KeyId(int index) => $"k-{index}";

    private static string CompanyId(int index) => $"c-{index}";

    private static string ProjectId(int index) => $"p-{index}";

    public sealed record KeySpec(int Company, int Project, int Weight, int? Rpm, long? Tpm, int? Rpd, long? Lifetime, long? Tpd);

    public sealed record ProjectSpec(int? Rpm, long? Tpm);

    public sealed record World(KeySpec[] Keys, ProjectSpec[] Projects, Op[] Ops)
    {
        public override string ToString() =>
            $"Keys: [{string.Join(", ", Keys.Select(k => k.ToString()))}] Projects: [{string.Join(", ", Projects.Select(p => p.ToString()))}] Ops: [{string.Join(", ", Ops.Select(o => o.ToString()))}]";
    }

    public abstract record Op;

    public sealed record AcquireOp(int Company, int Tokens, int InputPercent) : Op;

    public sealed record SettleOp(int Lease, int Percent, int InputPercent) : Op;

    public sealed record ReleaseOp(int Lease) : Op;

    public sealed record StatusOp(int Key, ApiKeyStatus Status) : Op;

    public sealed record AdvanceOp(int Seconds) : Op;
}
