using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.StoreContract;

/// <summary>The stores under test: one backend's implementations of every store abstraction, sharing one database.</summary>
public sealed class StoreUnderTest(IApiKeyStore keys, IQuotaStore quotas, IUsageLedger ledger, IRetryAttemptStore retryAttempts, IAsyncDisposable? owner = null)
    : IAsyncDisposable
{
    public IApiKeyStore Keys { get; } = keys;

    public IQuotaStore Quotas { get; } = quotas;

    public IUsageLedger Ledger { get; } = ledger;

    public IRetryAttemptStore RetryAttempts { get; } = retryAttempts;

    public ValueTask DisposeAsync() => owner?.DisposeAsync() ?? ValueTask.CompletedTask;
}

/// <summary>
/// The semantics every store backend must have (in-memory, SQLite, SQL Server). A backend derives from this class and
/// creates a fresh, empty store whose clock is <c>clock</c> (SQL stores take "now" from it in tests instead of the
/// database clock), so window boundaries and Pacific midnight are tested to the tick.
/// </summary>
public abstract class StoreContractTests
{
    /// <summary>02:00:20 Pacific (PST), 20 seconds into a UTC minute.</summary>
    protected static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 20, TimeSpan.Zero);

    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);

    protected FakeTimeProvider Clock { get; } = new(Start);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Creates a fresh, empty store whose clock is <paramref name="clock"/>.</summary>
    protected abstract Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock);

    protected static ApiKey Key(string id, string company = "c-1", string project = "p-1") => new()
    {
        Id = id,
        CompanyId = company,
        CompanyName = "Company " + company,
        ProjectId = project,
        Secret = $"test-key-{id}-secret-0000",
        AllowedModels = ["gemini-2.5-flash"],
    };

    protected static QuotaReservationRequest Reserve(string keyId, long tokens, string company = "c-1") => new(keyId, company, tokens, Ttl);

    // ---- keys ----

    [Fact]
    public async Task AddAsync_NewKey_StoresEveryFieldAndStampsTimes()
    {
        await using var s = await CreateStoreAsync(Clock);
        var key = Key("k-1") with
        {
            LifetimeTokenLimit = 5000,
            ExpiresAt = Start.AddDays(30),
            Rates = new QuotaLimits { RequestsPerMinute = 5, RequestsPerDay = 100, TokensPerMinute = 1000, TokensPerDay = 20000 },
            Weight = 3,
            StatusReason = "new",
        };

        Assert.True(await s.Keys.AddAsync(key, Ct));

        var stored = await s.Keys.GetAsync("k-1", Ct);
        Assert.NotNull(stored);
        Assert.Equal("c-1", stored.CompanyId);
        Assert.Equal("Company c-1", stored.CompanyName);
        Assert.Equal("p-1", stored.ProjectId);
        Assert.Equal(ApiKey.GeminiProvider, stored.Provider);
        Assert.Equal(["gemini-2.5-flash"], stored.AllowedModels);
        Assert.Equal(key.Secret, stored.Secret);
        Assert.Equal(ApiKeyStatus.Active, stored.Status);
        Assert.Equal(5000, stored.LifetimeTokenLimit);
        Assert.Equal(Start.AddDays(30), stored.ExpiresAt);
        Assert.Equal(key.Rates, stored.Rates);
        Assert.Equal(3, stored.Weight);
        Assert.Equal(0, stored.TokensUsed);
        Assert.Equal(0, stored.TokensReserved);
        Assert.Equal(Start, stored.CreatedAt);
        Assert.Equal(Start, stored.UpdatedAt);
    }

    [Fact]
    public async Task AddAsync_DuplicateId_ReturnsFalseAndKeepsTheFirst()
    {
        await using var s = await CreateStoreAsync(Clock);
        Assert.True(await s.Keys.AddAsync(Key("k-1"), Ct));

        Assert.False(await s.Keys.AddAsync(Key("k-1", company: "c-2"), Ct));

        Assert.Equal("c-1", (await s.Keys.GetAsync("k-1", Ct))!.CompanyId);
    }

    [Fact]
    public async Task AddAsync_InvalidKey_ThrowsArgumentException()
    {
        await using var s = await CreateStoreAsync(Clock);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => s.Keys.AddAsync(Key("k-1") with { Weight = 0 }, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => s.Keys.AddAsync(Key("k-2") with { Secret = " " }, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => s.Keys.AddAsync(Key("k-3") with { LifetimeTokenLimit = -1 }, Ct));
        Assert.Null(await s.Keys.GetAsync("k-1", Ct));
    }

    [Fact]
    public async Task GetAsync_UnknownKey_ReturnsNull()
    {
        await using var s = await CreateStoreAsync(Clock);

        Assert.Null(await s.Keys.GetAsync("missing", Ct));
    }

    [Fact]
    public async Task ListByCompanyAsync_ManyCompanies_ReturnsOnlyThatCompanysKeysOrderedById()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-b"), Ct);
        await s.Keys.AddAsync(Key("k-x", company: "c-2"), Ct);
        await s.Keys.AddAsync(Key("k-a"), Ct);
        await s.Keys.AddAsync(Key("k-c") with { Status = ApiKeyStatus.Disabled }, Ct);

        var keys = await s.Keys.ListByCompanyAsync("c-1", Ct);

        Assert.Equal(["k-a", "k-b", "k-c"], keys.Select(k => k.Id));
        Assert.Empty(await s.Keys.ListByCompanyAsync("c-9", Ct));
    }

    [Fact]
    public async Task TryChangeStatusAsync_ExpectedMatches_ChangesAndRecordsTransition()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1"), Ct);
        Clock.Advance(TimeSpan.FromSeconds(5));

        Assert.True(await s.Keys.TryChangeStatusAsync("k-1", ApiKeyStatus.Active, ApiKeyStatus.Disabled, "KeyInvalid", Ct));

        var key = (await s.Keys.GetAsync("k-1", Ct))!;
        Assert.Equal(ApiKeyStatus.Disabled, key.Status);
        Assert.Equal("KeyInvalid", key.StatusReason);
        Assert.Equal(Start.AddSeconds(5), key.UpdatedAt);
        var transition = Assert.Single(await s.Keys.ListStatusTransitionsAsync("k-1", Ct));
        Assert.Equal(new ApiKeyStatusTransition("k-1", ApiKeyStatus.Active, ApiKeyStatus.Disabled, "KeyInvalid", Start.AddSeconds(5)), transition);
    }

    [Fact]
    public async Task TryChangeStatusAsync_ExpectedDiffers_ChangesNothing()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { Status = ApiKeyStatus.Expired }, Ct);

        Assert.False(await s.Keys.TryChangeStatusAsync("k-1", ApiKeyStatus.Active, ApiKeyStatus.Exceeded, "x", Ct));
        Assert.False(await s.Keys.TryChangeStatusAsync("missing", null, ApiKeyStatus.Disabled, "x", Ct));

        Assert.Equal(ApiKeyStatus.Expired, (await s.Keys.GetAsync("k-1", Ct))!.Status);
        Assert.Empty(await s.Keys.ListStatusTransitionsAsync("k-1", Ct));
    }

    [Fact]
    public async Task TryChangeStatusAsync_SameStatusOrAnyExpected_BehavesAsCompareAndSet()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1"), Ct);

        Assert.False(await s.Keys.TryChangeStatusAsync("k-1", null, ApiKeyStatus.Active, "same", Ct));
        Assert.True(await s.Keys.TryChangeStatusAsync("k-1", null, ApiKeyStatus.Disabled, "operator", Ct));
        Assert.True(await s.Keys.TryChangeStatusAsync("k-1", ApiKeyStatus.Disabled, ApiKeyStatus.Active, "re-enabled", Ct));

        var transitions = await s.Keys.ListStatusTransitionsAsync("k-1", Ct);
        Assert.Equal([ApiKeyStatus.Disabled, ApiKeyStatus.Active], transitions.Select(t => t.To));
    }

    [Fact]
    public async Task TryChangeStatusAsync_ConcurrentCallers_ExactlyOneWins()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1"), Ct);

        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ =>
            Task.Run(() => s.Keys.TryChangeStatusAsync("k-1", ApiKeyStatus.Active, ApiKeyStatus.Exceeded, "limit", Ct))));

        Assert.Equal(1, results.Count(r => r));
        Assert.Single(await s.Keys.ListStatusTransitionsAsync("k-1", Ct));
    }

    [Fact]
    public async Task UpdateLimitsAsync_ExistingKey_ReplacesLimits()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { LifetimeTokenLimit = 10, Weight = 2 }, Ct);
        var limits = new ApiKeyLimits
        {
            LifetimeTokenLimit = 900,
            ExpiresAt = Start.AddDays(1),
            Rates = new QuotaLimits { RequestsPerMinute = 7 },
            Weight = 5,
        };

        Assert.True(await s.Keys.UpdateLimitsAsync("k-1", limits, Ct));
        Assert.False(await s.Keys.UpdateLimitsAsync("missing", limits, Ct));

        var key = (await s.Keys.GetAsync("k-1", Ct))!;
        Assert.Equal(900, key.LifetimeTokenLimit);
        Assert.Equal(Start.AddDays(1), key.ExpiresAt);
        Assert.Equal(7, key.Rates.RequestsPerMinute);
        Assert.Equal(5, key.Weight);
    }

    [Fact]
    public async Task TryMarkUsageThresholdAsync_EachThreshold_IsMarkedOnceAndNeverBelowAHigherOne()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1"), Ct);

        Assert.True(await s.Keys.TryMarkUsageThresholdAsync("k-1", 80, Ct));
        Assert.False(await s.Keys.TryMarkUsageThresholdAsync("k-1", 80, Ct));
        Assert.True(await s.Keys.TryMarkUsageThresholdAsync("k-1", 100, Ct));
        Assert.False(await s.Keys.TryMarkUsageThresholdAsync("k-1", 90, Ct));
        Assert.False(await s.Keys.TryMarkUsageThresholdAsync("missing", 80, Ct));
        Assert.Equal(100, (await s.Keys.GetAsync("k-1", Ct))!.UsageThresholdNotified);
    }

    [Fact]
    public async Task SetProjectLimitsAsync_ThenGet_ReturnsLimitsAndUnknownProjectIsNull()
    {
        await using var s = await CreateStoreAsync(Clock);
        var limits = new QuotaLimits { RequestsPerMinute = 10, TokensPerDay = 1_000_000 };

        await s.Keys.SetProjectLimitsAsync("p-1", limits, Ct);

        Assert.Equal(limits, (await s.Keys.GetProjectAsync("p-1", Ct))!.Limits);
        Assert.Null(await s.Keys.GetProjectAsync("p-2", Ct));
    }

    // ---- quotas ----

    [Fact]
    public async Task ReserveAsync_WithinLimits_GrantsAndCountsInKeyAndProjectWindows()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { LifetimeTokenLimit = 10_000 }, Ct);

        var result = await s.Quotas.ReserveAsync(Reserve("k-1", 300), Ct);

        Assert.True(result.IsGranted);
        var r = result.Reservation!;
        Assert.Equal(("k-1", "c-1", "p-1", 300L), (r.KeyId, r.CompanyId, r.ProjectId, r.Tokens));
        Assert.Equal(QuotaWindows.SlotStart(Start), r.MinuteWindowStart);
        Assert.Equal(QuotaWindows.DayStart(Start), r.DayWindowStart);
        Assert.Equal(Start + Ttl, r.ExpiresAt);
        foreach (var (scope, id) in new[] { (QuotaScope.Key, "k-1"), (QuotaScope.Project, "p-1") })
        {
            var usage = await s.Quotas.GetWindowUsageAsync(scope, id, Ct);
            Assert.Equal((1L, 300L, 1L, 300L), (usage.MinuteRequests, usage.MinuteTokens, usage.DayRequests, usage.DayTokens));
        }

        Assert.Equal(300, (await s.Keys.GetAsync("k-1", Ct))!.TokensReserved);
    }

    [Fact]
    public async Task ReserveAsync_RequestsPerMinute_AdmitsExactlyTheLimitThenNamesWhenTheFirstLeavesTheWindow()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { Rates = new QuotaLimits { RequestsPerMinute = 3 } }, Ct);

        for (var i = 0; i < 3; i++)
        {
            Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct)).IsGranted);
        }

        var rejected = await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct);

        Assert.False(rejected.IsGranted);
        Assert.Equal(QuotaRejectionReason.KeyMinuteLimit, rejected.Reason);
        Assert.Equal(Start.AddSeconds(60), rejected.RetryAt); // the first three leave the sliding minute 60 s after they were counted
        Assert.Equal(3, (await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).MinuteRequests);
    }

    [Fact]
    public async Task ReserveAsync_TokensPerMinute_FitsExactlyAtTheLimitAndNotOneTokenMore()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { Rates = new QuotaLimits { TokensPerMinute = 100 } }, Ct);

        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 60), Ct)).IsGranted);
        Assert.False((await s.Quotas.ReserveAsync(Reserve("k-1", 41), Ct)).IsGranted);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 40), Ct)).IsGranted);
        var rejected = await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct);

        Assert.Equal(QuotaRejectionReason.KeyMinuteLimit, rejected.Reason);
        var usage = await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct);
        Assert.Equal((2L, 100L), (usage.MinuteRequests, usage.MinuteTokens));
    }

    [Fact]
    public async Task ReserveAsync_RejectedByLaterWindow_CountsNothingAnywhere()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { Rates = new QuotaLimits { RequestsPerDay = 1 } }, Ct);
        await s.Keys.SetProjectLimitsAsync("p-1", new QuotaLimits { TokensPerMinute = 50 }, Ct);

        var rejected = await s.Quotas.ReserveAsync(Reserve("k-1", 51), Ct);

        Assert.Equal(QuotaRejectionReason.ProjectMinuteLimit, rejected.Reason);
        Assert.Equal(0, (await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).DayRequests);
        Assert.Equal(0, (await s.Quotas.GetWindowUsageAsync(QuotaScope.Project, "p-1", Ct)).MinuteTokens);
        Assert.Equal(0, (await s.Keys.GetAsync("k-1", Ct))!.TokensReserved);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 50), Ct)).IsGranted);
    }

    [Fact]
    public async Task ReserveAsync_ProjectLimit_IsSharedByEveryKeyOfTheProject()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1"), Ct);
        await s.Keys.AddAsync(Key("k-2"), Ct);
        await s.Keys.AddAsync(Key("k-3", project: "p-2"), Ct);
        await s.Keys.SetProjectLimitsAsync("p-1", new QuotaLimits { RequestsPerMinute = 2 }, Ct);

        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct)).IsGranted);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-2", 1), Ct)).IsGranted);
        var rejected = await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct);

        Assert.Equal(QuotaRejectionReason.ProjectMinuteLimit, rejected.Reason);
        Assert.Equal(QuotaRejectionReason.ProjectMinuteLimit, (await s.Quotas.ReserveAsync(Reserve("k-2", 1), Ct)).Reason);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-3", 1), Ct)).IsGranted);
    }

    [Fact]
    public async Task ReserveAsync_SlidingMinute_AdmitsAgainWhenTheFirstRequestLeavesTheWindowButKeepsTheDay()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { Rates = new QuotaLimits { RequestsPerMinute = 1, RequestsPerDay = 2 } }, Ct);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct)).IsGranted);

        Clock.SetUtcNow(Start.AddSeconds(60).AddTicks(-1));
        var early = await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct);
        Assert.Equal((QuotaRejectionReason.KeyMinuteLimit, (DateTimeOffset?)Start.AddSeconds(60)), (early.Reason, early.RetryAt));

        Clock.SetUtcNow(Start.AddSeconds(60));
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct)).IsGranted);

        Clock.Advance(TimeSpan.FromMinutes(2));
        var rejected = await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct);
        Assert.Equal(QuotaRejectionReason.KeyDayLimit, rejected.Reason);
        Assert.Equal(QuotaWindows.DayEnd(Start), rejected.RetryAt);
    }

    [Fact]
    public async Task ReserveAsync_BurstsEitherSideOfAUtcMinute_AdmitTheLimitOnceNotTwice()
    {
        // Issue 14: with fixed UTC minutes, 3 at 10:00:59 and 3 more at 10:01:00 passed an RPM of 3 within one second.
        Clock.SetUtcNow(new DateTimeOffset(2026, 11, 23, 10, 0, 59, TimeSpan.Zero));
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { Rates = new QuotaLimits { RequestsPerMinute = 3, TokensPerMinute = 1_000 } }, Ct);
        for (var i = 0; i < 3; i++)
        {
            Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 300), Ct)).IsGranted);
        }

        Clock.Advance(TimeSpan.FromSeconds(1));
        var rejected = await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct);

        Assert.Equal((QuotaRejectionReason.KeyMinuteLimit, (DateTimeOffset?)new DateTimeOffset(2026, 11, 23, 10, 1, 59, TimeSpan.Zero)), (rejected.Reason, rejected.RetryAt));
        Assert.Equal((3L, 900L), ((await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).MinuteRequests, (await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).MinuteTokens));
    }

    [Fact]
    public async Task ReserveAsync_TokensPerMinuteFull_NamesWhenEnoughOldSlotsHaveLeft()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { Rates = new QuotaLimits { TokensPerMinute = 1_000 } }, Ct);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 400), Ct)).IsGranted);
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 300), Ct)).IsGranted);
        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 300), Ct)).IsGranted);

        // 500 fits once the first two (700) have left; the first alone (400) is not enough.
        var rejected = await s.Quotas.ReserveAsync(Reserve("k-1", 500), Ct);
        var never = await s.Quotas.ReserveAsync(Reserve("k-1", 1_001), Ct);

        Assert.Equal((QuotaRejectionReason.KeyMinuteLimit, (DateTimeOffset?)Start.AddSeconds(70)), (rejected.Reason, rejected.RetryAt));
        Assert.Equal((QuotaRejectionReason.KeyMinuteLimit, (DateTimeOffset?)null), (never.Reason, never.RetryAt));
        Clock.SetUtcNow(Start.AddSeconds(70).AddTicks(-1));
        Assert.False((await s.Quotas.ReserveAsync(Reserve("k-1", 500), Ct)).IsGranted);
        Clock.SetUtcNow(Start.AddSeconds(70));
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 500), Ct)).IsGranted);
    }

    [Fact]
    public async Task ReserveAsync_DayWindow_RollsOverAtPacificMidnightNotUtcMidnight()
    {
        // 2026-11-23 23:59:59 PST is 2026-11-24 07:59:59 UTC; UTC midnight passed eight hours earlier.
        Clock.SetUtcNow(new DateTimeOffset(2026, 11, 24, 0, 0, 0, TimeSpan.Zero).AddSeconds(-1));
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { Rates = new QuotaLimits { RequestsPerDay = 1 } }, Ct);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct)).IsGranted);

        Clock.Advance(TimeSpan.FromSeconds(1)); // UTC midnight: still the same Pacific day.
        var rejected = await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct);
        Assert.Equal(QuotaRejectionReason.KeyDayLimit, rejected.Reason);
        var pacificMidnight = new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);
        Assert.Equal(pacificMidnight, rejected.RetryAt);

        Clock.SetUtcNow(pacificMidnight.AddTicks(-1));
        Assert.False((await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct)).IsGranted);
        Clock.SetUtcNow(pacificMidnight);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct)).IsGranted);
    }

    [Fact]
    public async Task ReserveAsync_DstSpringForwardDay_LastsTwentyThreeHours()
    {
        // 2026-03-08: PST (UTC-8) until 02:00, then PDT (UTC-7). The day starts 08:00 UTC and ends 07:00 UTC the next day.
        Clock.AdjustTime(new DateTimeOffset(2026, 3, 8, 8, 0, 0, TimeSpan.Zero));
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { Rates = new QuotaLimits { RequestsPerDay = 1 } }, Ct);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct)).IsGranted);

        Clock.Advance(TimeSpan.FromHours(23) - TimeSpan.FromTicks(1));
        var rejected = await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct);
        Assert.Equal(new DateTimeOffset(2026, 3, 9, 7, 0, 0, TimeSpan.Zero), rejected.RetryAt);

        Clock.Advance(TimeSpan.FromTicks(1));
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct)).IsGranted);
    }

    [Fact]
    public async Task ReserveAsync_LifetimeLimit_CountsOutstandingReservationsExactly()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { LifetimeTokenLimit = 1000 }, Ct);

        var first = (await s.Quotas.ReserveAsync(Reserve("k-1", 600), Ct)).Reservation!;
        Assert.Equal(QuotaRejectionReason.LifetimeHeadroomInsufficient, (await s.Quotas.ReserveAsync(Reserve("k-1", 401), Ct)).Reason);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 400), Ct)).IsGranted);

        await s.Quotas.ReleaseAsync(first.Id, Ct);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 600), Ct)).IsGranted);
    }

    [Fact]
    public async Task ReserveAsync_LifetimeUsedUp_IsLifetimeLimitReached()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { LifetimeTokenLimit = 1000, TokensUsed = 1000 }, Ct);

        var rejected = await s.Quotas.ReserveAsync(Reserve("k-1", 0), Ct);

        Assert.Equal(QuotaRejectionReason.LifetimeLimitReached, rejected.Reason);
        Assert.Equal(ApiKeyStatus.Active, rejected.KeyStatus);
    }

    [Fact]
    public async Task ReserveAsync_KeyNotActiveOrExpiredByStoreClock_IsRefusedWithReason()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { Status = ApiKeyStatus.Disabled }, Ct);
        await s.Keys.AddAsync(Key("k-2") with { ExpiresAt = Start.AddSeconds(10) }, Ct);

        var disabled = await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct);
        Assert.Equal((QuotaRejectionReason.KeyNotActive, ApiKeyStatus.Disabled), (disabled.Reason, disabled.KeyStatus));
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-2", 1), Ct)).IsGranted);

        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(QuotaRejectionReason.KeyExpired, (await s.Quotas.ReserveAsync(Reserve("k-2", 1), Ct)).Reason);
    }

    [Fact]
    public async Task ReserveAsync_KeyOfAnotherCompanyOrUnknown_IsRefusedAndCountsNothing()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1"), Ct);

        var mismatch = await s.Quotas.ReserveAsync(Reserve("k-1", 1, company: "c-2"), Ct);

        Assert.Equal(QuotaRejectionReason.CompanyMismatch, mismatch.Reason);
        Assert.Null(mismatch.KeyStatus);
        Assert.Equal(QuotaRejectionReason.KeyNotFound, (await s.Quotas.ReserveAsync(Reserve("missing", 1), Ct)).Reason);
        Assert.Equal(0, (await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).MinuteRequests);
    }

    [Fact]
    public async Task ReserveAsync_BadRequest_ThrowsArgumentException()
    {
        await using var s = await CreateStoreAsync(Clock);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => s.Quotas.ReserveAsync(Reserve("k-1", -1), Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => s.Quotas.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 1, TimeSpan.Zero), Ct));
    }

    [Fact]
    public async Task ReserveAsync_64ConcurrentCallers_AdmitExactlyTheRequestLimit()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1"), Ct);
        await s.Keys.SetProjectLimitsAsync("p-1", new QuotaLimits { RequestsPerMinute = 10, TokensPerMinute = 1_000_000 }, Ct);

        var results = await Task.WhenAll(Enumerable.Range(0, 64).Select(_ => Task.Run(() => s.Quotas.ReserveAsync(Reserve("k-1", 100), Ct))));

        Assert.Equal(10, results.Count(r => r.IsGranted));
        var usage = await s.Quotas.GetWindowUsageAsync(QuotaScope.Project, "p-1", Ct);
        Assert.Equal((10L, 1000L), (usage.MinuteRequests, usage.MinuteTokens));
    }

    [Fact]
    public async Task SettleAsync_ActualUsage_AddsToUsageAndCorrectsTheWindowsOnce()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { LifetimeTokenLimit = 10_000 }, Ct);
        var r = (await s.Quotas.ReserveAsync(Reserve("k-1", 1000) with { InputTokens = 400 }, Ct)).Reservation!;
        Assert.Equal((1000L, 400L), (r.Tokens, r.InputTokens));

        var settlement = await s.Quotas.SettleAsync(r.Id, 750, 300, Ct);

        Assert.Equal(new QuotaSettlement(r.Id, "k-1", 750, 750, 10_000, ApiKeyStatus.Active, false), settlement);
        Assert.Null(await s.Quotas.SettleAsync(r.Id, 750, 300, Ct));
        Assert.False(await s.Quotas.ReleaseAsync(r.Id, Ct));
        var key = (await s.Keys.GetAsync("k-1", Ct))!;
        Assert.Equal((750L, 0L), (key.TokensUsed, key.TokensReserved));

        // The minute windows keep the prompt tokens billed, the day windows every billed token.
        foreach (var (scope, id) in new[] { (QuotaScope.Key, "k-1"), (QuotaScope.Project, "p-1") })
        {
            var usage = await s.Quotas.GetWindowUsageAsync(scope, id, Ct);
            Assert.Equal((1L, 300L, 1L, 750L), (usage.MinuteRequests, usage.MinuteTokens, usage.DayRequests, usage.DayTokens));
        }
    }

    [Fact]
    public async Task SettleAsync_WithoutTheBilledInputTokens_KeepsTheInputEstimateInTheMinuteWindows()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1"), Ct);
        var r = (await s.Quotas.ReserveAsync(Reserve("k-1", 1000) with { InputTokens = 400 }, Ct)).Reservation!;

        await s.Quotas.SettleAsync(r.Id, 750, Ct);

        var usage = await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct);
        Assert.Equal((400L, 750L), (usage.MinuteTokens, usage.DayTokens));
    }

    [Fact]
    public async Task ReserveAsync_TokensPerMinute_AdmitsAndCountsTheInputEstimateNotTheTotal()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { Rates = new QuotaLimits { TokensPerMinute = 1_000 } }, Ct);
        await s.Keys.AddAsync(Key("k-2"), Ct);
        await s.Keys.SetProjectLimitsAsync("p-1", new QuotaLimits { TokensPerMinute = 1_500 }, Ct);

        // 1,800 total tokens fit a 1,000-token minute: the output cap is not input.
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 900) with { InputTokens = 500 }, Ct)).IsGranted);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 900) with { InputTokens = 500 }, Ct)).IsGranted);
        Assert.Equal(QuotaRejectionReason.KeyMinuteLimit, (await s.Quotas.ReserveAsync(Reserve("k-1", 900) with { InputTokens = 1 }, Ct)).Reason);

        // The project's minute counts its keys' input estimates too: 1,000 counted, 500 more fit, 501 do not.
        Assert.Equal(QuotaRejectionReason.ProjectMinuteLimit, (await s.Quotas.ReserveAsync(Reserve("k-2", 501), Ct)).Reason);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-2", 5_000) with { InputTokens = 500 }, Ct)).IsGranted);

        var key = await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct);
        Assert.Equal((2L, 1_000L, 2L, 1_800L), (key.MinuteRequests, key.MinuteTokens, key.DayRequests, key.DayTokens));
        var project = await s.Quotas.GetWindowUsageAsync(QuotaScope.Project, "p-1", Ct);
        Assert.Equal((3L, 1_500L, 3L, 6_800L), (project.MinuteRequests, project.MinuteTokens, project.DayRequests, project.DayTokens));
    }

    [Fact]
    public async Task ReserveAsync_TokensPerDayAndLifetime_CountTheTotalEstimate()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { Rates = new QuotaLimits { TokensPerDay = 2_000 } }, Ct);
        await s.Keys.AddAsync(Key("k-2") with { LifetimeTokenLimit = 1_000 }, Ct);

        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 1_000) with { InputTokens = 100 }, Ct)).IsGranted);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 1_000) with { InputTokens = 100 }, Ct)).IsGranted);
        Assert.Equal(QuotaRejectionReason.KeyDayLimit, (await s.Quotas.ReserveAsync(Reserve("k-1", 1) with { InputTokens = 0 }, Ct)).Reason);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-2", 1_000) with { InputTokens = 100 }, Ct)).IsGranted);
        Assert.Equal(QuotaRejectionReason.LifetimeHeadroomInsufficient, (await s.Quotas.ReserveAsync(Reserve("k-2", 1) with { InputTokens = 0 }, Ct)).Reason);
    }

    [Fact]
    public async Task ReserveAndSettle_NegativeInputTokens_ThrowAndCountNothing()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1"), Ct);
        var r = (await s.Quotas.ReserveAsync(Reserve("k-1", 100) with { InputTokens = 50 }, Ct)).Reservation!;

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => s.Quotas.ReserveAsync(Reserve("k-1", 100) with { InputTokens = -1 }, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => s.Quotas.SettleAsync(r.Id, 100, -1, Ct));

        var usage = await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct);
        Assert.Equal((1L, 50L, 1L, 100L), (usage.MinuteRequests, usage.MinuteTokens, usage.DayRequests, usage.DayTokens));
        Assert.NotNull(await s.Quotas.SettleAsync(r.Id, 100, 50, Ct));
    }

    [Fact]
    public async Task ReleaseAsync_InputEstimate_ReturnsItToTheMinuteAndTheTotalToTheDay()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { Rates = new QuotaLimits { TokensPerMinute = 1_000 } }, Ct);
        var kept = (await s.Quotas.ReserveAsync(Reserve("k-1", 900) with { InputTokens = 300 }, Ct)).Reservation!;
        var released = (await s.Quotas.ReserveAsync(Reserve("k-1", 900) with { InputTokens = 700 }, Ct)).Reservation!;

        Assert.True(await s.Quotas.ReleaseAsync(released.Id, Ct));

        var usage = await s.Quotas.GetWindowUsageAsync(QuotaScope.Project, "p-1", Ct);
        Assert.Equal((2L, 300L, 2L, 900L), (usage.MinuteRequests, usage.MinuteTokens, usage.DayRequests, usage.DayTokens));
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 900) with { InputTokens = 700 }, Ct)).IsGranted);
        Assert.NotNull(await s.Quotas.SettleAsync(kept.Id, 900, 300, Ct));
    }

    [Fact]
    public async Task SettleAsync_AfterTheMinuteRolledOver_CorrectsTheReservationsOwnWindow()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1"), Ct);
        var r = (await s.Quotas.ReserveAsync(Reserve("k-1", 1000), Ct)).Reservation!;
        Clock.Advance(TimeSpan.FromMinutes(1));

        await s.Quotas.SettleAsync(r.Id, 200, Ct);

        var usage = await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct);
        Assert.Equal((0L, 0L, 1L, 200L), (usage.MinuteRequests, usage.MinuteTokens, usage.DayRequests, usage.DayTokens));
    }

    [Fact]
    public async Task SettleAsync_WithinTheSlidingMinute_CorrectsTheReservationsSlotSoTheRoomIsUsable()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { Rates = new QuotaLimits { TokensPerMinute = 1_000 } }, Ct);
        var r = (await s.Quotas.ReserveAsync(Reserve("k-1", 1_000), Ct)).Reservation!;
        Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.False((await s.Quotas.ReserveAsync(Reserve("k-1", 800), Ct)).IsGranted);

        await s.Quotas.SettleAsync(r.Id, 250, 200, Ct);

        Assert.Equal((1L, 200L), ((await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).MinuteRequests, (await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).MinuteTokens));
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 800), Ct)).IsGranted);
        Assert.False((await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct)).IsGranted);
    }

    [Fact]
    public async Task SettleAsync_ReachingTheLifetimeLimit_MovesKeyToExceededAndRecordsIt()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { LifetimeTokenLimit = 1000, TokensUsed = 900 }, Ct);
        var r = (await s.Quotas.ReserveAsync(Reserve("k-1", 50), Ct)).Reservation!;

        var settlement = await s.Quotas.SettleAsync(r.Id, 120, Ct);

        Assert.NotNull(settlement);
        Assert.True(settlement.BecameExceeded);
        Assert.Equal((1020L, ApiKeyStatus.Exceeded), (settlement.TokensUsed, settlement.Status));
        var transition = Assert.Single(await s.Keys.ListStatusTransitionsAsync("k-1", Ct));
        Assert.Equal((ApiKeyStatus.Active, ApiKeyStatus.Exceeded), (transition.From, transition.To));
        Assert.Equal(QuotaRejectionReason.KeyNotActive, (await s.Quotas.ReserveAsync(Reserve("k-1", 0), Ct)).Reason);
    }

    [Fact]
    public async Task ReleaseAsync_UnbilledCall_ReturnsTokensButKeepsTheRequestCounted()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { Rates = new QuotaLimits { RequestsPerMinute = 1 } }, Ct);
        var r = (await s.Quotas.ReserveAsync(Reserve("k-1", 500), Ct)).Reservation!;

        Assert.True(await s.Quotas.ReleaseAsync(r.Id, Ct));
        Assert.False(await s.Quotas.ReleaseAsync(r.Id, Ct));
        Assert.Null(await s.Quotas.SettleAsync(r.Id, 10, Ct));

        var usage = await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct);
        Assert.Equal((1L, 0L), (usage.MinuteRequests, usage.MinuteTokens));
        Assert.Equal((0L, 0L), ((await s.Keys.GetAsync("k-1", Ct))!.TokensUsed, (await s.Keys.GetAsync("k-1", Ct))!.TokensReserved));
        Assert.Equal(QuotaRejectionReason.KeyMinuteLimit, (await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct)).Reason);
    }

    [Fact]
    public async Task CoolDownKeyAsync_ServerDelay_RefusesTheKeyUntilTheDelayHasPassed()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1"), Ct);
        await s.Keys.AddAsync(Key("k-2"), Ct);

        var until = await s.Quotas.CoolDownKeyAsync("k-1", TimeSpan.FromSeconds(26), Ct);

        Assert.Equal(Start.AddSeconds(26), until);
        Assert.Equal(Start.AddSeconds(26), (await s.Quotas.CoolDownKeyAsync("k-1", TimeSpan.FromSeconds(3), Ct)));
        var rejected = await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct);
        Assert.Equal((QuotaRejectionReason.KeyCoolingDown, (DateTimeOffset?)Start.AddSeconds(26)), (rejected.Reason, rejected.RetryAt));
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-2", 1), Ct)).IsGranted);
        Assert.Null(await s.Quotas.CoolDownKeyAsync("missing", TimeSpan.FromSeconds(1), Ct));

        Clock.Advance(TimeSpan.FromSeconds(26));
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct)).IsGranted);
    }

    [Fact]
    public async Task BlockProjectForDayAsync_PerDayQuota_SkipsEveryKeyOfTheProjectUntilPacificMidnight()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1"), Ct);
        await s.Keys.AddAsync(Key("k-2"), Ct);
        await s.Keys.AddAsync(Key("k-3", project: "p-2"), Ct);

        var until = await s.Quotas.BlockProjectForDayAsync("p-1", Ct);

        var midnight = new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);
        Assert.Equal(midnight, until);
        Assert.Equal(midnight, (await s.Keys.GetProjectAsync("p-1", Ct))!.BlockedUntil);
        Assert.Equal(QuotaRejectionReason.ProjectBlocked, (await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct)).Reason);
        Assert.Equal(QuotaRejectionReason.ProjectBlocked, (await s.Quotas.ReserveAsync(Reserve("k-2", 1), Ct)).Reason);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-3", 1), Ct)).IsGranted);

        Clock.SetUtcNow(midnight);
        Assert.True((await s.Quotas.ReserveAsync(Reserve("k-1", 1), Ct)).IsGranted);
    }

    [Fact]
    public async Task ReclaimExpiredReservationsAsync_ChargesOnlyReservationsPastTheirTimeToLiveAtTheirEstimate()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { LifetimeTokenLimit = 1000 }, Ct);
        var old = (await s.Quotas.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 300, TimeSpan.FromSeconds(30)) { InputTokens = 120 }, Ct)).Reservation!;
        var young = (await s.Quotas.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 200, TimeSpan.FromMinutes(5)), Ct)).Reservation!;

        Clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(1, await s.Quotas.ReclaimExpiredReservationsAsync(Ct));

        // The expired reservation's call may have been billed by Google: its estimate is charged, not handed back.
        var key = (await s.Keys.GetAsync("k-1", Ct))!;
        Assert.Equal(200, key.TokensReserved);
        Assert.Equal(300, key.TokensUsed);
        Assert.Equal(500, (await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).DayTokens);

        // The minute windows keep the expired reservation's input estimate, next to the young one's total (it gave no input estimate).
        Assert.Equal(320, (await s.Quotas.GetWindowUsageAsync(QuotaScope.Project, "p-1", Ct)).MinuteTokens);
        Assert.Null(await s.Quotas.SettleAsync(old.Id, 10, Ct));
        Assert.False(await s.Quotas.ReleaseAsync(old.Id, Ct));
        Assert.True(await s.Quotas.ReleaseAsync(young.Id, Ct));
        Assert.Equal(0, await s.Quotas.ReclaimExpiredReservationsAsync(Ct));
        Assert.Equal(300, (await s.Keys.GetAsync("k-1", Ct))!.TokensUsed);
    }

    [Fact]
    public async Task ReclaimExpiredReservationsAsync_ChargeReachesTheLifetimeLimit_KeyBecomesExceeded()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Keys.AddAsync(Key("k-1") with { LifetimeTokenLimit = 500 }, Ct);
        _ = (await s.Quotas.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 500, TimeSpan.FromMinutes(1)), Ct)).Reservation!;

        Clock.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(1, await s.Quotas.ReclaimExpiredReservationsAsync(Ct));

        var key = (await s.Keys.GetAsync("k-1", Ct))!;
        Assert.Equal(ApiKeyStatus.Exceeded, key.Status);
        Assert.Equal(500, key.TokensUsed);
        Assert.Equal(0, key.TokensReserved);
    }

    // ---- usage ledger ----

    protected static UsageRecord Usage(string id, string company = "c-1", string? branch = "b-1", string? user = "u-1", DateTimeOffset? at = null, long total = 100) => new()
    {
        Id = id,
        OperationId = "op-" + id,
        CompanyId = company,
        Branch = branch,
        UserId = user,
        KeyId = "k-1",
        ProjectId = "p-1",
        Model = "gemini-2.5-flash",
        ResponseId = "resp-" + id,
        InputTokens = total - 40,
        OutputTokens = 30,
        TextTokens = 5,
        DocumentTokens = total - 45,
        CachedTokens = 2,
        ThoughtsTokens = 10,
        TotalTokens = total,
        FileName = "'); DROP TABLE TokenMaster;--.pdf",
        StartedAt = (at ?? Start).AddSeconds(-3),
        CompletedAt = at ?? Start,
        RawUsageJson = "{\"totalTokenCount\":" + total + "}",
    };

    [Fact]
    public async Task AppendAsync_ReplayedId_IsANoOpNeverASecondRow()
    {
        await using var s = await CreateStoreAsync(Clock);
        var record = Usage("u-1");

        Assert.True(await s.Ledger.AppendAsync(record, Ct));
        Assert.False(await s.Ledger.AppendAsync(record with { TotalTokens = 999_999 }, Ct));

        Assert.Equal(record, Assert.Single(await s.Ledger.ListAsync(new UsageQuery("c-1"), Ct)));
        Assert.Equal(record, await s.Ledger.GetAsync("u-1", Ct));
        Assert.Null(await s.Ledger.GetAsync("missing", Ct));
    }

    [Fact]
    public async Task AppendAsync_ConcurrentReplays_StoreExactlyOneRow()
    {
        await using var s = await CreateStoreAsync(Clock);

        var results = await Task.WhenAll(Enumerable.Range(0, 32).Select(_ => Task.Run(() => s.Ledger.AppendAsync(Usage("same"), Ct))));

        Assert.Equal(1, results.Count(r => r));
        Assert.Single(await s.Ledger.ListAsync(new UsageQuery("c-1"), Ct));
    }

    [Fact]
    public async Task AppendAsync_InvalidRecord_ThrowsArgumentException()
    {
        await using var s = await CreateStoreAsync(Clock);

        await Assert.ThrowsAnyAsync<ArgumentException>(() => s.Ledger.AppendAsync(Usage("x") with { CompanyId = "" }, Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => s.Ledger.AppendAsync(Usage("y") with { Attempt = 0 }, Ct));
    }

    [Fact]
    public async Task ListAsync_Filters_SelectByCompanyBranchUserAndUtcDays()
    {
        await using var s = await CreateStoreAsync(Clock);
        var day1 = new DateTimeOffset(2026, 11, 23, 23, 59, 59, TimeSpan.Zero);
        var day2 = day1.AddSeconds(1);
        await s.Ledger.AppendAsync(Usage("a", at: day1), Ct);
        await s.Ledger.AppendAsync(Usage("b", branch: "b-2", at: day2), Ct);
        await s.Ledger.AppendAsync(Usage("c", user: "u-2", at: day2), Ct);
        await s.Ledger.AppendAsync(Usage("d", company: "c-2", at: day2), Ct);

        Assert.Equal(["a", "b", "c"], (await s.Ledger.ListAsync(new UsageQuery("c-1"), Ct)).Select(r => r.Id));
        Assert.Equal(["b"], (await s.Ledger.ListAsync(new UsageQuery("c-1") { Branch = "b-2" }, Ct)).Select(r => r.Id));
        Assert.Equal(["c"], (await s.Ledger.ListAsync(new UsageQuery("c-1") { UserId = "u-2" }, Ct)).Select(r => r.Id));
        Assert.Equal(["a"], (await s.Ledger.ListAsync(new UsageQuery("c-1") { ToDay = new DateOnly(2026, 11, 23) }, Ct)).Select(r => r.Id));
        Assert.Equal(["b", "c"], (await s.Ledger.ListAsync(new UsageQuery("c-1") { FromDay = new DateOnly(2026, 11, 24) }, Ct)).Select(r => r.Id));
        Assert.Equal("'); DROP TABLE TokenMaster;--.pdf", (await s.Ledger.ListAsync(new UsageQuery("c-2"), Ct))[0].FileName);
    }

    [Fact]
    public async Task SummarizeAsync_AnyGrouping_EqualsTheSumOfTheLedgerRows()
    {
        await using var s = await CreateStoreAsync(Clock);
        var random = new Random(7);
        string[] branches = ["b-1", "b-2", "b-3"];
        string[] users = ["u-1", "u-2"];
        for (var i = 0; i < 60; i++)
        {
            var record = Usage(
                $"r-{i}",
                company: i % 10 == 0 ? "c-2" : "c-1",
                branch: branches[random.Next(branches.Length)],
                user: users[random.Next(users.Length)],
                at: Start.AddHours(random.Next(0, 72)),
                total: random.Next(50, 5000)) with
            {
                Outcome = i % 7 == 0 ? UsageOutcome.Failure : UsageOutcome.Success,
                FailureKind = i % 7 == 0 ? InvoiceOcrErrorKind.OutputTruncated : null,
            };
            await s.Ledger.AppendAsync(record, Ct);
        }

        var query = new UsageQuery("c-1");
        var rows = await s.Ledger.ListAsync(query, Ct);
        foreach (var grouping in new[] { UsageGrouping.None, UsageGrouping.Branch, UsageGrouping.User, UsageGrouping.Day, UsageGrouping.Branch | UsageGrouping.User | UsageGrouping.Day })
        {
            var summaries = await s.Ledger.SummarizeAsync(query, grouping, Ct);
            var expected = rows
                .GroupBy(r => (
                    grouping.HasFlag(UsageGrouping.Branch) ? r.Branch : null,
                    grouping.HasFlag(UsageGrouping.User) ? r.UserId : null,
                    grouping.HasFlag(UsageGrouping.Day) ? UsageSummary.DayOf(r.CompletedAt) : (DateOnly?)null))
                .ToDictionary(g => g.Key, g => (Requests: g.Sum(r => (long)r.RequestCount), Failed: (long)g.Count(r => r.Outcome == UsageOutcome.Failure), Total: g.Sum(r => r.TotalTokens), Input: g.Sum(r => r.InputTokens)));

            Assert.Equal(expected.Count, summaries.Count);
            foreach (var summary in summaries)
            {
                Assert.Equal("c-1", summary.CompanyId);
                var e = expected[(summary.Branch, summary.UserId, summary.Day)];
                Assert.Equal(e, (summary.RequestCount, summary.FailedRequests, summary.TotalTokens, summary.InputTokens));
            }

            Assert.Equal(rows.Sum(r => r.TotalTokens), summaries.Sum(x => x.TotalTokens));
        }
    }

    // ---- retry attempts ----

    [Fact]
    public async Task RetryAttempts_AppendAndReplay_KeepsOneRowPerAttemptInOrder()
    {
        await using var s = await CreateStoreAsync(Clock);
        RetryAttemptRecord Attempt(int n) => new()
        {
            OperationId = "op-1",
            AttemptNumber = n,
            CompanyId = "c-1",
            KeyId = "k-1",
            ErrorKind = InvoiceOcrErrorKind.ServerError,
            HttpStatus = 503,
            Delay = TimeSpan.FromSeconds(n),
            Timestamp = Start.AddSeconds(n),
        };

        Assert.True(await s.RetryAttempts.AppendAsync(Attempt(2), Ct));
        Assert.True(await s.RetryAttempts.AppendAsync(Attempt(1), Ct));
        Assert.False(await s.RetryAttempts.AppendAsync(Attempt(1) with { HttpStatus = 500 }, Ct));
        await s.RetryAttempts.AppendAsync(Attempt(1) with { OperationId = "op-2" }, Ct);

        var list = await s.RetryAttempts.ListByOperationAsync("op-1", Ct);
        Assert.Equal([Attempt(1), Attempt(2)], list);
    }

    // ---- cost and budgets ----

    [Fact]
    public async Task Ledger_RowsWithCost_KeepTheCostExactlyAndSumIt()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Ledger.AppendAsync(Usage("u-c1") with { Cost = 0.001234567m, Currency = "USD" }, Ct);
        await s.Ledger.AppendAsync(Usage("u-c2") with { Cost = 0.000000001m, Currency = "USD" }, Ct);
        await s.Ledger.AppendAsync(Usage("u-c3"), Ct);

        Assert.Equal((0.001234567m, "USD"), ((await s.Ledger.GetAsync("u-c1", Ct))!.Cost, (await s.Ledger.GetAsync("u-c1", Ct))!.Currency));
        Assert.Null((await s.Ledger.GetAsync("u-c3", Ct))!.Cost);
        var summary = Assert.Single(await s.Ledger.SummarizeAsync(new UsageQuery("c-1"), UsageGrouping.None, Ct));
        Assert.Equal((0.001234568m, "USD"), (summary.Cost, summary.Currency));
    }

    [Fact]
    public async Task Ledger_BatchTierRow_KeepsItsServiceTier()
    {
        await using var s = await CreateStoreAsync(Clock);
        await s.Ledger.AppendAsync(Usage("u-t1") with { ServiceTier = ServiceTier.Batch }, Ct);
        await s.Ledger.AppendAsync(Usage("u-t2"), Ct);

        Assert.Equal(ServiceTier.Batch, (await s.Ledger.GetAsync("u-t1", Ct))!.ServiceTier);
        Assert.Equal(ServiceTier.Standard, (await s.Ledger.GetAsync("u-t2", Ct))!.ServiceTier);
        Assert.Equal(
            [("u-t1", ServiceTier.Batch), ("u-t2", ServiceTier.Standard)],
            (await s.Ledger.ListAsync(new UsageQuery("c-1"), Ct)).Where(r => r.Id.StartsWith("u-t", StringComparison.Ordinal)).OrderBy(r => r.Id, StringComparer.Ordinal).Select(r => (r.Id, r.ServiceTier)));
    }

    [Fact]
    public async Task Budget_ReserveSettleAndRefuse_NeverCommitsPastTheLimitAndSettlesOnce()
    {
        await using var s = await CreateStoreAsync(Clock);
        var budgets = Assert.IsAssignableFrom<IBudgetStore>(s.Quotas);
        var month = new DateOnly(2026, 11, 1);
        BudgetReservationRequest Hold(string id, long nanos) => new(id, "c-1", month, nanos, LimitNanos: 100, Start.AddMinutes(10));

        Assert.True((await budgets.ReserveBudgetAsync(Hold("b-1", 60), Ct)).Reserved);
        var refused = await budgets.ReserveBudgetAsync(Hold("b-2", 41), Ct);
        Assert.False(refused.Reserved);
        Assert.Equal(new BudgetMonthUsage(0, 60), refused.Usage);
        Assert.Equal(new BudgetMonthUsage(25, 0), await budgets.SettleBudgetAsync("b-1", 25, Ct));
        Assert.Null(await budgets.SettleBudgetAsync("b-1", 25, Ct));
        Assert.True((await budgets.ReserveBudgetAsync(Hold("b-3", 75), Ct)).Reserved);
        Assert.False((await budgets.ReserveBudgetAsync(Hold("b-4", 1), Ct)).Reserved);

        // An expired hold is charged at its reservation: the caller may have been billed.
        Assert.Equal(1, await budgets.ReclaimExpiredBudgetReservationsAsync(Start.AddMinutes(10), Ct));
        Assert.Equal(new BudgetMonthUsage(100, 0), await budgets.GetBudgetMonthAsync("c-1", month, Ct));
        Assert.Equal(default, await budgets.GetBudgetMonthAsync("c-2", month, Ct));
    }

    [Fact]
    public async Task Budget_ReclaimExpired_ChargesOnlyExpiredHoldsOnceAndALateSettleIsANoOp()
    {
        await using var s = await CreateStoreAsync(Clock);
        var budgets = Assert.IsAssignableFrom<IBudgetStore>(s.Quotas);
        var month = new DateOnly(2026, 11, 1);

        // Two processes died holding money; one attempt is still running.
        Assert.True((await budgets.ReserveBudgetAsync(new("lost-1", "c-1", month, 40, LimitNanos: 100, Start.AddMinutes(5)), Ct)).Reserved);
        Assert.True((await budgets.ReserveBudgetAsync(new("lost-2", "c-2", month, 30, LimitNanos: 100, Start.AddMinutes(5)), Ct)).Reserved);
        Assert.True((await budgets.ReserveBudgetAsync(new("live", "c-1", month, 50, LimitNanos: 100, Start.AddMinutes(30)), Ct)).Reserved);

        Assert.Equal(0, await budgets.ReclaimExpiredBudgetReservationsAsync(Start.AddMinutes(4), Ct));
        Assert.Equal(2, await budgets.ReclaimExpiredBudgetReservationsAsync(Start.AddMinutes(6), Ct));
        Assert.Equal(0, await budgets.ReclaimExpiredBudgetReservationsAsync(Start.AddMinutes(7), Ct));

        // Charged at the reservation (the attempt may have been billed), never released; the live hold is untouched.
        Assert.Equal(new BudgetMonthUsage(40, 50), await budgets.GetBudgetMonthAsync("c-1", month, Ct));
        Assert.Equal(new BudgetMonthUsage(30, 0), await budgets.GetBudgetMonthAsync("c-2", month, Ct));
        Assert.Null(await budgets.SettleBudgetAsync("lost-1", 10, Ct));
        Assert.False((await budgets.ReserveBudgetAsync(new("next", "c-1", month, 11, LimitNanos: 100, Start.AddMinutes(30)), Ct)).Reserved);
        Assert.Equal(new BudgetMonthUsage(60, 0), await budgets.SettleBudgetAsync("live", 20, Ct));
    }
}
