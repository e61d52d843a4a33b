using System.Threading.Channels;
using InvoiceOcr.Sdk.Quotas;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Tests.Quotas;

public sealed class ReservationReclaimServiceTests
{
    private const string Company = "company-reclaim";

    private static readonly DateTimeOffset Start = new(2026, 2, 2, 10, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ExecuteAsync_LostReservation_KeptUntilItsTimeToLiveThenChargedAtItsEstimateAtTheNextTick()
    {
        var time = new TimerAwareTimeProvider(Start);
        await using var services = Build(time, out var store);
        var keys = services.GetRequiredService<IApiKeyStore>();
        await keys.AddAsync(new ApiKey { Id = "key-1", CompanyId = Company, Secret = "test-key-reclaim-0001", ProjectId = "p-1", LifetimeTokenLimit = 10_000 }, Ct);

        // A caller reserves and dies before settling.
        _ = await services.GetRequiredService<ITokenProvider>().AcquireAsync(new KeyLeaseRequest(Company, "gemini-2.5-flash", 4_000), Ct);
        Assert.Equal(4_000, (await keys.GetAsync("key-1", Ct))!.TokensReserved);

        var service = Assert.Single(services.GetServices<IHostedService>().OfType<ReservationReclaimService>());
        await service.StartAsync(Ct);
        await time.WaitForTimerAsync(TimeSpan.FromMinutes(1));

        for (var minute = 1; minute < 5; minute++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal(0, await store.NextReclaimAsync());
            Assert.Equal(4_000, (await keys.GetAsync("key-1", Ct))!.TokensReserved);
        }

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await store.NextReclaimAsync());
        // Charged, not released: the lost call may have been billed, so its estimate counts as used.
        var key = await keys.GetAsync("key-1", Ct);
        Assert.Equal(0, key!.TokensReserved);
        Assert.Equal(4_000, key.TokensUsed);
        Assert.Equal(6_000, key.RemainingTokens);

        await service.StopAsync(Ct);
        Assert.True(service.ExecuteTask!.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task ExecuteAsync_StoreUnavailableOnOneTick_KeepsRunningAndReclaimsAtTheNext()
    {
        var time = new TimerAwareTimeProvider(Start);
        await using var services = Build(time, out var store);
        var keys = services.GetRequiredService<IApiKeyStore>();
        await keys.AddAsync(new ApiKey { Id = "key-1", CompanyId = Company, Secret = "test-key-reclaim-0002", ProjectId = "p-1" }, Ct);
        _ = await services.GetRequiredService<ITokenProvider>().AcquireAsync(new KeyLeaseRequest(Company, "gemini-2.5-flash", 1_000), Ct);
        var service = Assert.Single(services.GetServices<IHostedService>().OfType<ReservationReclaimService>());
        await service.StartAsync(Ct);
        await time.WaitForTimerAsync(TimeSpan.FromMinutes(1));
        for (var minute = 1; minute < 5; minute++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal(0, await store.NextReclaimAsync());
        }

        // The tick that would reclaim finds the store down: logged, and the loop goes on.
        store.FailNext = true;
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(-1, await store.NextReclaimAsync());
        Assert.Equal(1_000, (await keys.GetAsync("key-1", Ct))!.TokensReserved);

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await store.NextReclaimAsync());
        Assert.Equal(0, (await keys.GetAsync("key-1", Ct))!.TokensReserved);
        Assert.False(service.ExecuteTask!.IsCompleted);
        await service.StopAsync(Ct);
    }

    [Fact]
    public void AddInvoiceOcr_CalledTwice_RegistersOneReclaimServiceWithTheIntervalOption()
    {
        var collection = new ServiceCollection();
        collection.AddInvoiceOcr(o => o.KeyPool.ReservationReclaimInterval = TimeSpan.FromSeconds(20));
        collection.AddInvoiceOcr();
        using var services = collection.BuildServiceProvider();

        Assert.Single(services.GetServices<IHostedService>().OfType<ReservationReclaimService>());
        Assert.Equal(TimeSpan.FromSeconds(20), services.GetRequiredService<IOptions<KeyPoolOptions>>().Value.ReservationReclaimInterval);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void KeyPoolOptions_ReclaimIntervalBelowOneSecond_FailsValidation(int seconds)
    {
        using var services = new ServiceCollection()
            .AddInvoiceOcrKeyPool()
            .Configure<KeyPoolOptions>(o => o.ReservationReclaimInterval = TimeSpan.FromSeconds(seconds))
            .BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<KeyPoolOptions>>().Value);
        Assert.Contains(nameof(KeyPoolOptions.ReservationReclaimInterval), error.Message, StringComparison.Ordinal);
    }

    private static ServiceProvider Build(TimeProvider time, out ObservedQuotaStore store)
    {
        var collection = new ServiceCollection();
        collection.AddSingleton(time);
        collection.AddInvoiceOcr(o =>
        {
            o.KeyPool.ReservationTimeToLive = TimeSpan.FromMinutes(5);
            o.Retry.TotalTimeout = TimeSpan.FromMinutes(4);
            o.KeyPool.ReservationReclaimInterval = TimeSpan.FromMinutes(1);
        });
        var observed = new ObservedQuotaStore();
        collection.AddSingleton<IQuotaStore>(sp => observed.Wrap(sp.GetRequiredService<InMemoryInvoiceOcrStore>()));
        store = observed;
        return collection.BuildServiceProvider(validateScopes: true);
    }

    /// <summary>The in-memory store, reporting each reclaim (its count, or -1 when it failed) to the test.</summary>
    private sealed class ObservedQuotaStore : IQuotaStore
    {
        private readonly Channel<int> _reclaims = Channel.CreateUnbounded<int>();
        private IQuotaStore _inner = null!;

        public bool FailNext { get; set; }

        public IQuotaStore Wrap(IQuotaStore inner)
        {
            _inner = inner;
            return this;
        }

        public Task<int> NextReclaimAsync() => _reclaims.Reader.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(60), Ct);

        public async Task<int> ReclaimExpiredReservationsAsync(CancellationToken cancellationToken)
        {
            if (FailNext)
            {
                FailNext = false;
                _reclaims.Writer.TryWrite(-1);
                throw new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, "The test store is down.");
            }

            var count = await _inner.ReclaimExpiredReservationsAsync(cancellationToken);
            _reclaims.Writer.TryWrite(count);
            return count;
        }

        public Task<QuotaReservationResult> ReserveAsync(QuotaReservationRequest request, CancellationToken cancellationToken) => _inner.ReserveAsync(request, cancellationToken);

        public Task<QuotaSettlement?> SettleAsync(string reservationId, long actualTokens, CancellationToken cancellationToken) => _inner.SettleAsync(reservationId, actualTokens, cancellationToken);

        public Task<QuotaSettlement?> SettleAsync(string reservationId, long actualTokens, long actualInputTokens, CancellationToken cancellationToken) => _inner.SettleAsync(reservationId, actualTokens, actualInputTokens, cancellationToken);

        public Task<bool> ReleaseAsync(string reservationId, CancellationToken cancellationToken) => _inner.ReleaseAsync(reservationId, cancellationToken);

        public Task<DateTimeOffset?> CoolDownKeyAsync(string keyId, TimeSpan duration, CancellationToken cancellationToken) => _inner.CoolDownKeyAsync(keyId, duration, cancellationToken);

        public Task<DateTimeOffset> BlockProjectForDayAsync(string projectId, CancellationToken cancellationToken) => _inner.BlockProjectForDayAsync(projectId, cancellationToken);

        public Task<QuotaWindowUsage> GetWindowUsageAsync(QuotaScope scope, string id, CancellationToken cancellationToken) => _inner.GetWindowUsageAsync(scope, id, cancellationToken);
    }
}
