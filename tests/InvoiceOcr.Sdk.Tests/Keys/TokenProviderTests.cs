using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Tests.Keys;

public sealed class TokenProviderTests
{
    private const string Model = "gemini-2.5-flash";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static KeyLeaseRequest Lease(string company, long tokens = 100) => new(company, Model, tokens);

    [Fact]
    public async Task AcquireAsync_CompanyWithoutKeys_ThrowsNoKeyAvailableWithSeedMessage()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("other", "c-2");

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Tokens.AcquireAsync(Lease("c-1"), Ct));

        Assert.Equal(InvoiceOcrErrorKind.NoKeyAvailable, ex.Kind);
        Assert.Equal("No active token found for your company. Please contact support.", ex.Message);
    }

    [Fact]
    public async Task AcquireAsync_NoKeyAllowsTheModel_ThrowsNoKeyAvailable()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1", models: ["gemini-2.5-pro"]);

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Tokens.AcquireAsync(Lease("c-1"), Ct));

        Assert.Equal(InvoiceOcrErrorKind.NoKeyAvailable, ex.Kind);
    }

    [Fact]
    public async Task AcquireAsync_EveryKeyPastExpiry_TransitionsToExpiredAndThrowsExpiredSeedMessage()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1", expiresAt: KeyPoolHarness.DefaultStart.AddSeconds(-1));
        await h.AddKeyAsync("k-2", "c-1", expiresAt: KeyPoolHarness.DefaultStart.AddSeconds(5));
        h.Time.Advance(TimeSpan.FromSeconds(5));

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Tokens.AcquireAsync(Lease("c-1"), Ct));

        Assert.Equal(InvoiceOcrErrorKind.KeyExpired, ex.Kind);
        Assert.Equal("Your AI token has expired. Please renew your subscription.", ex.Message);
        foreach (var id in new[] { "k-1", "k-2" })
        {
            Assert.Equal(ApiKeyStatus.Expired, (await h.Store.GetAsync(id, Ct))!.Status);
            var t = Assert.Single(await h.Store.ListStatusTransitionsAsync(id, Ct));
            Assert.Equal((ApiKeyStatus.Active, ApiKeyStatus.Expired), (t.From, t.To));
        }
    }

    [Theory]
    [InlineData(ApiKeyStatus.Exceeded)]
    [InlineData(ApiKeyStatus.Disabled)]
    public async Task AcquireAsync_EveryKeyExceededOrDisabled_ThrowsDisabledSeedMessageWithTheKindThatSaysWhich(ApiKeyStatus status)
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1", status: status);

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Tokens.AcquireAsync(Lease("c-1"), Ct));

        Assert.Equal(status == ApiKeyStatus.Exceeded ? InvoiceOcrErrorKind.KeyExceeded : InvoiceOcrErrorKind.KeyDisabled, ex.Kind);
        Assert.Equal("Your AI token is no longer available or has been disabled. Please contact support.", ex.Message);
    }

    [Fact]
    public async Task AcquireAsync_ExpiredAndDisabledMixed_ThrowsDisabledSeedMessage()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1", status: ApiKeyStatus.Expired);
        await h.AddKeyAsync("k-2", "c-1", status: ApiKeyStatus.Disabled);

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Tokens.AcquireAsync(Lease("c-1"), Ct));

        Assert.Equal(InvoiceOcrErrorKind.KeyDisabled, ex.Kind);
    }

    [Fact]
    public async Task AcquireAsync_LifetimeUsedUp_TransitionsToExceededAndThrowsTheSeedMessageAsKeyExceeded()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1", lifetimeTokenLimit: 1000);
        var lease = await h.Tokens.AcquireAsync(Lease("c-1", 900), Ct);
        await h.Tokens.SettleAsync(lease, KeyPoolHarness.Usage(1000), default, Ct);

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Tokens.AcquireAsync(Lease("c-1"), Ct));

        Assert.Equal(InvoiceOcrErrorKind.KeyExceeded, ex.Kind);
        Assert.Equal("Your AI token is no longer available or has been disabled. Please contact support.", ex.Message);
        var key = (await h.Store.GetAsync("k-1", Ct))!;
        Assert.Equal(ApiKeyStatus.Exceeded, key.Status);
        Assert.Contains("1000", key.StatusReason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AcquireAsync_ActiveKeyWithoutHeadroom_ThrowsLocalQuotaExceededWithTimeUntilItFits()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1", rates: new QuotaLimits { RequestsPerMinute = 1 });
        await h.Tokens.AcquireAsync(Lease("c-1"), Ct);

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Tokens.AcquireAsync(Lease("c-1"), Ct));

        Assert.Equal(InvoiceOcrErrorKind.LocalQuotaExceeded, ex.Kind);
        Assert.Equal(TimeSpan.FromSeconds(60), ex.RetryAfter); // the sliding minute: the first request leaves it 60 s after it was counted
        Assert.False(ex.IsTransient);
        Assert.Equal("The per-minute request limit (RPM 1) of your company's AI token was reached. Please try again in 60 seconds.", ex.Message);
    }

    [Fact]
    public async Task AcquireAsync_DailyRequestLimitReached_SaysDailyAndNamesThePacificDayBoundary()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1", rates: new QuotaLimits { RequestsPerDay = 1 });
        await h.Tokens.AcquireAsync(Lease("c-1"), Ct);

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Tokens.AcquireAsync(Lease("c-1"), Ct));

        Assert.Equal(InvoiceOcrErrorKind.LocalQuotaExceeded, ex.Kind);
        Assert.StartsWith("The per-day request limit (RPD 1) of your company's AI token was reached; Google's days start at midnight Pacific time (America/Los_Angeles).", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(h.Logs.GetSnapshot(), r => r.Message.Contains("(null)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AcquireAsync_LifetimeHeadroomTooSmall_ThrowsLocalQuotaExceededWithoutRetryAfter()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1", lifetimeTokenLimit: 1000);

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Tokens.AcquireAsync(Lease("c-1", 1001), Ct));

        Assert.Equal(InvoiceOcrErrorKind.LocalQuotaExceeded, ex.Kind);
        Assert.Null(ex.RetryAfter);
        Assert.Equal(ApiKeyStatus.Active, (await h.Store.GetAsync("k-1", Ct))!.Status);
    }

    [Fact]
    public async Task AcquireAsync_ManyCompanies_NeverLeasesAnotherCompanysKey()
    {
        await using var h = KeyPoolHarness.Create();
        for (var c = 0; c < 5; c++)
        {
            for (var k = 0; k < 3; k++)
            {
                await h.AddKeyAsync($"c{c}-k{k}", $"c-{c}", projectId: $"p-{c}-{k}");
            }
        }

        for (var i = 0; i < 200; i++)
        {
            var company = $"c-{i % 5}";
            var lease = await h.Tokens.AcquireAsync(Lease(company), Ct);
            Assert.Equal(company, lease.CompanyId);
            Assert.StartsWith($"c{i % 5}-", lease.KeyId, StringComparison.Ordinal);
            Assert.Equal(KeyPoolHarness.SecretOf(lease.KeyId), lease.Secret);
            await h.Tokens.ReleaseAsync(lease, Ct);
        }
    }

    [Fact]
    public async Task AcquireAsync_WeightedKeys_ChoosesInProportionToWeight()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("light", "c-1", projectId: "p-1", weight: 1);
        await h.AddKeyAsync("heavy", "c-1", projectId: "p-2", weight: 3);
        var counts = new Dictionary<string, int> { ["light"] = 0, ["heavy"] = 0 };

        for (var i = 0; i < 4000; i++)
        {
            var lease = await h.Tokens.AcquireAsync(Lease("c-1"), Ct);
            counts[lease.KeyId]++;
            await h.Tokens.ReleaseAsync(lease, Ct);
        }

        var heavyShare = counts["heavy"] / 4000.0;
        Assert.InRange(heavyShare, 0.72, 0.78);
    }

    [Fact]
    public async Task AcquireAsync_SameSeed_ChoosesTheSameSequence()
    {
        async Task<List<string>> SequenceAsync()
        {
            await using var h = KeyPoolHarness.Create(o => o.RandomSeed = 99);
            for (var k = 0; k < 4; k++)
            {
                await h.AddKeyAsync($"k-{k}", "c-1", projectId: $"p-{k}", weight: k + 1);
            }

            var ids = new List<string>();
            for (var i = 0; i < 50; i++)
            {
                var lease = await h.Tokens.AcquireAsync(Lease("c-1"), Ct);
                ids.Add(lease.KeyId);
                await h.Tokens.ReleaseAsync(lease, Ct);
            }

            return ids;
        }

        Assert.Equal(await SequenceAsync(), await SequenceAsync());
    }

    [Fact]
    public async Task AcquireAsync_KeyCoolingDown_IsSkippedForAnotherKey()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1", projectId: "p-1", weight: 1_000_000);
        await h.AddKeyAsync("k-2", "c-1", projectId: "p-2");
        var first = await h.Tokens.AcquireAsync(Lease("c-1"), Ct);
        Assert.Equal("k-1", first.KeyId);
        await h.Tokens.ReleaseAsync(first, Ct);

        await h.Tokens.ReportFailureAsync(first, new InvoiceOcrException(InvoiceOcrErrorKind.RateLimitedPerMinute, "429") { RetryAfter = TimeSpan.FromSeconds(26) }, Ct);

        Assert.Equal("k-2", (await h.Tokens.AcquireAsync(Lease("c-1"), Ct)).KeyId);
        h.Time.Advance(TimeSpan.FromSeconds(26));
        Assert.Equal("k-1", (await h.Tokens.AcquireAsync(Lease("c-1"), Ct)).KeyId);
    }

    [Theory]
    [InlineData(InvoiceOcrErrorKind.KeyInvalid, "API_KEY_INVALID")]
    [InlineData(InvoiceOcrErrorKind.KeyRevoked, null)]
    public async Task ReportFailureAsync_InvalidOrRevokedKey_DisablesItWithTheReason(InvoiceOcrErrorKind kind, string? googleReason)
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1");
        var lease = await h.Tokens.AcquireAsync(Lease("c-1"), Ct);

        await h.Tokens.ReportFailureAsync(lease, new InvoiceOcrException(kind, "bad key") { GoogleReason = googleReason }, Ct);

        var key = (await h.Store.GetAsync("k-1", Ct))!;
        Assert.Equal(ApiKeyStatus.Disabled, key.Status);
        Assert.Contains(kind.ToString(), key.StatusReason, StringComparison.Ordinal);
        if (googleReason is not null)
        {
            Assert.Contains(googleReason, key.StatusReason, StringComparison.Ordinal);
        }

        Assert.DoesNotContain(KeyPoolHarness.SecretOf("k-1"), key.StatusReason, StringComparison.Ordinal);
        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Tokens.AcquireAsync(Lease("c-1"), Ct));
        Assert.Equal(InvoiceOcrErrorKind.KeyDisabled, ex.Kind);
    }

    [Fact]
    public async Task ReportFailureAsync_PerDayQuota_SkipsTheProjectUntilPacificMidnight()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1", projectId: "p-1");
        await h.AddKeyAsync("k-2", "c-1", projectId: "p-1");
        var lease = await h.Tokens.AcquireAsync(Lease("c-1"), Ct);

        await h.Tokens.ReportFailureAsync(lease, new InvoiceOcrException(InvoiceOcrErrorKind.QuotaExhaustedPerDay, "429 per day"), Ct);

        var midnight = new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);
        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Tokens.AcquireAsync(Lease("c-1"), Ct));
        Assert.Equal(InvoiceOcrErrorKind.LocalQuotaExceeded, ex.Kind);
        Assert.Equal(midnight - h.Time.GetUtcNow(), ex.RetryAfter);
        h.Time.SetUtcNow(midnight);
        Assert.NotNull(await h.Tokens.AcquireAsync(Lease("c-1"), Ct));
    }

    [Fact]
    public async Task SettleAsync_CrossingThresholds_AnnouncesEachOnceByLogCallbackAndMetric()
    {
        var announced = new List<int>();
        await using var h = KeyPoolHarness.Create(o => o.OnUsageThresholdReached = (e, _) =>
        {
            lock (announced)
            {
                announced.Add(e.ThresholdPercent);
            }

            return ValueTask.CompletedTask;
        });
        using var metric = new MetricCollector<long>(h.Services.GetRequiredService<IMeterFactory>(), InvoiceOcrTelemetry.MeterName, InvoiceOcrTelemetry.UsageThresholdsInstrument);
        await h.AddKeyAsync("k-1", "c-1", lifetimeTokenLimit: 1000);

        async Task UseAsync(int tokens)
        {
            var lease = await h.Tokens.AcquireAsync(Lease("c-1", 0), Ct);
            await h.Tokens.SettleAsync(lease, KeyPoolHarness.Usage(tokens), default, Ct);
        }

        await UseAsync(790);
        Assert.Empty(announced);
        await UseAsync(10); // 800: 80 %
        await UseAsync(5);
        await UseAsync(100); // 905: 90 %
        await UseAsync(90);
        Assert.Equal([80, 90], announced);
        await UseAsync(5); // 1000: 100 % and Exceeded

        Assert.Equal([80, 90, 100], announced);
        Assert.Equal([80, 90, 100], metric.GetMeasurementSnapshot().Select(m => Convert.ToInt32(m.Tags["invoiceocr.key.threshold"], System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(3, h.Logs.GetSnapshot().Count(r => r.Level == LogLevel.Warning && r.Message.Contains("of its lifetime token limit", StringComparison.Ordinal)));
        Assert.Equal(ApiKeyStatus.Exceeded, (await h.Store.GetAsync("k-1", Ct))!.Status);
    }

    [Fact]
    public async Task SettleAsync_JumpPastSeveralThresholds_AnnouncesEveryThresholdPassed()
    {
        var announced = new List<int>();
        await using var h = KeyPoolHarness.Create(o => o.OnUsageThresholdReached = (e, _) =>
        {
            announced.Add(e.ThresholdPercent);
            return ValueTask.CompletedTask;
        });
        await h.AddKeyAsync("k-1", "c-1", lifetimeTokenLimit: 1000);
        var lease = await h.Tokens.AcquireAsync(Lease("c-1", 0), Ct);

        await h.Tokens.SettleAsync(lease, KeyPoolHarness.Usage(950), default, Ct);

        Assert.Equal([80, 90], announced);
    }

    [Fact]
    public async Task SettleAsync_ThrowingCallback_IsLoggedAndBookkeepingCompletes()
    {
        await using var h = KeyPoolHarness.Create(o => o.OnUsageThresholdReached = (_, _) => throw new InvalidOperationException("boom"));
        await h.AddKeyAsync("k-1", "c-1", lifetimeTokenLimit: 100);
        var lease = await h.Tokens.AcquireAsync(Lease("c-1", 0), Ct);

        await h.Tokens.SettleAsync(lease, KeyPoolHarness.Usage(85), default, Ct);

        Assert.Equal(85, (await h.Store.GetAsync("k-1", Ct))!.TokensUsed);
        Assert.Contains(h.Logs.GetSnapshot(), r => r.Level == LogLevel.Error && r.Exception is InvalidOperationException);
    }

    [Fact]
    public async Task KeyPoolQueries_KeysAndCompany_ReportRemainingTokens()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1", lifetimeTokenLimit: 1000);
        await h.AddKeyAsync("k-2", "c-1", lifetimeTokenLimit: 500);
        await h.AddKeyAsync("k-3", "c-1", lifetimeTokenLimit: 9999, status: ApiKeyStatus.Disabled);
        await h.AddKeyAsync("k-4", "c-2");
        var lease = await h.Tokens.AcquireAsync(Lease("c-1", 100), Ct);
        await h.Tokens.SettleAsync(lease, KeyPoolHarness.Usage(300), default, Ct);
        var held = await h.Tokens.AcquireAsync(Lease("c-1", 50), Ct);

        var queries = h.Services.GetRequiredService<IKeyPoolQueries>();
        var company = await queries.GetCompanyBalanceAsync("c-1", Ct);

        Assert.Equal(new TokenBalance(300, 50, 1500, 1150), company);
        var k = await queries.GetKeyBalanceAsync(held.KeyId, Ct);
        Assert.Equal(50, k!.TokensReserved);
        Assert.Null(await queries.GetKeyBalanceAsync("missing", Ct));
        Assert.Equal(new TokenBalance(0, 0, null, null), await queries.GetCompanyBalanceAsync("c-2", Ct));
    }

    [Fact]
    public async Task AcquireAsync_StoreUnreachable_UsesTheCompanysFallbackKeyWithAWarning()
    {
        await using var h = KeyPoolHarness.Create(
            o =>
            {
                o.FallbackKeys.Add(new FallbackApiKeyOptions { Id = "fb-1", CompanyId = "c-1", Secret = "test-key-fallback-0001", ProjectId = "p-fb" });
                o.FallbackKeys.Add(new FallbackApiKeyOptions { Id = "fb-2", CompanyId = "c-2", Secret = "test-key-fallback-0002" });
            },
            services: s => s.AddSingleton<IApiKeyStore>(new UnreachableKeyStore()));

        var lease = await h.Tokens.AcquireAsync(Lease("c-1"), Ct);
        await h.Tokens.AcquireAsync(Lease("c-1"), Ct);

        Assert.Equal(("fb-1", "test-key-fallback-0001", true, (string?)null), (lease.KeyId, lease.Secret, lease.IsFallback, lease.ReservationId));
        await h.Tokens.SettleAsync(lease, KeyPoolHarness.Usage(10), default, Ct);
        var warnings = h.Logs.GetSnapshot().Where(r => r.Level == LogLevel.Warning && r.Message.Contains("fallback key fb-1", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, warnings.Count);
        Assert.All(h.Logs.GetSnapshot(), r => Assert.DoesNotContain("test-key-fallback", r.Message, StringComparison.Ordinal));
        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Tokens.AcquireAsync(Lease("c-3"), Ct));
        Assert.Equal(InvoiceOcrErrorKind.StoreUnavailable, ex.Kind);
    }

    [Fact]
    public async Task AcquireAsync_StoreReachable_NeverUsesFallbackKeys()
    {
        await using var h = KeyPoolHarness.Create(o => o.FallbackKeys.Add(new FallbackApiKeyOptions { Id = "fb-1", CompanyId = "c-1", Secret = "test-key-fallback-0001" }));

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Tokens.AcquireAsync(Lease("c-1"), Ct));

        Assert.Equal(InvoiceOcrErrorKind.NoKeyAvailable, ex.Kind);
    }

    [Fact]
    public async Task AcquireAsync_BadRequest_ThrowsArgumentException()
    {
        await using var h = KeyPoolHarness.Create();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => h.Tokens.AcquireAsync(new KeyLeaseRequest(" ", Model, 1), Ct));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => h.Tokens.AcquireAsync(new KeyLeaseRequest("c-1", Model, -1), Ct));
    }

    private sealed class UnreachableKeyStore : IApiKeyStore
    {
        private static Exception Down() => new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, "The key store is unreachable.");

        public Task<bool> AddAsync(ApiKey key, CancellationToken cancellationToken) => throw Down();

        public Task<ApiKey?> GetAsync(string keyId, CancellationToken cancellationToken) => throw Down();

        public Task<IReadOnlyList<ApiKey>> ListByCompanyAsync(string companyId, CancellationToken cancellationToken) => throw Down();

        public Task<bool> TryChangeStatusAsync(string keyId, ApiKeyStatus? expected, ApiKeyStatus status, string? reason, CancellationToken cancellationToken) => throw Down();

        public Task<bool> UpdateLimitsAsync(string keyId, ApiKeyLimits limits, CancellationToken cancellationToken) => throw Down();

        public Task<IReadOnlyList<ApiKeyStatusTransition>> ListStatusTransitionsAsync(string keyId, CancellationToken cancellationToken) => throw Down();

        public Task<bool> TryMarkUsageThresholdAsync(string keyId, int percent, CancellationToken cancellationToken) => throw Down();

        public Task SetProjectLimitsAsync(string projectId, QuotaLimits limits, CancellationToken cancellationToken) => throw Down();

        public Task<ProjectQuota?> GetProjectAsync(string projectId, CancellationToken cancellationToken) => throw Down();
    }
}
