using System.Threading.Channels;
using InvoiceOcr.Sdk.Pricing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace InvoiceOcr.Sdk.Tests.Pricing;

public sealed class BudgetReclaimServiceTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    private static readonly DateOnly Month = new(2026, 12, 1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task ExecuteAsync_LostBudgetReservation_KeptUntilItExpiresThenChargedAtItsAmountAtTheNextTick()
    {
        var time = new TimerAwareTimeProvider(Start);
        await using var services = Build(time, out var store);

        // A process reserves the attempt's maximum cost and dies before settling; another keeps a live reservation.
        Assert.True((await store.ReserveBudgetAsync(new BudgetReservationRequest("lost", "acme", Month, 5_000, LimitNanos: 10_000, Start.AddMinutes(5)), Ct)).Reserved);
        Assert.True((await store.ReserveBudgetAsync(new BudgetReservationRequest("live", "acme", Month, 2_000, LimitNanos: 10_000, Start.AddHours(1)), Ct)).Reserved);

        var service = Assert.Single(services.GetServices<IHostedService>().OfType<BudgetReclaimService>());
        await service.StartAsync(Ct);
        await time.WaitForTimerAsync(TimeSpan.FromMinutes(1));
        for (var minute = 1; minute < 5; minute++)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            Assert.Equal(0, await store.NextReclaimAsync());
        }

        Assert.Equal(new BudgetMonthUsage(0, 7_000), await store.GetBudgetMonthAsync("acme", Month, Ct));
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await store.NextReclaimAsync());

        // Charged, not released: the lost attempt may have been billed, so its reservation counts as spent. The live one stays.
        Assert.Equal(new BudgetMonthUsage(5_000, 2_000), await store.GetBudgetMonthAsync("acme", Month, Ct));
        Assert.Null(await store.SettleBudgetAsync("lost", 1_000, Ct));
        Assert.Equal(new BudgetMonthUsage(6_500, 0), await store.SettleBudgetAsync("live", 1_500, Ct));

        await service.StopAsync(Ct);
        Assert.True(service.ExecuteTask!.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task ExecuteAsync_StoreUnavailableOnOneTick_KeepsRunningAndReclaimsAtTheNext()
    {
        var time = new TimerAwareTimeProvider(Start);
        await using var services = Build(time, out var store);
        await store.ReserveBudgetAsync(new BudgetReservationRequest("lost", "acme", Month, 700, null, Start.AddMinutes(1)), Ct);
        var service = Assert.Single(services.GetServices<IHostedService>().OfType<BudgetReclaimService>());
        await service.StartAsync(Ct);
        await time.WaitForTimerAsync(TimeSpan.FromMinutes(1));

        store.FailNext = true;
        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(-1, await store.NextReclaimAsync());
        Assert.Equal(new BudgetMonthUsage(0, 700), await store.GetBudgetMonthAsync("acme", Month, Ct));

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await store.NextReclaimAsync());
        Assert.Equal(new BudgetMonthUsage(700, 0), await store.GetBudgetMonthAsync("acme", Month, Ct));
        Assert.False(service.ExecuteTask!.IsCompleted);
        await service.StopAsync(Ct);
    }

    [Fact]
    public void AddInvoiceOcr_CalledTwice_RegistersOneBudgetReclaimService()
    {
        var collection = new ServiceCollection();
        collection.AddInvoiceOcr();
        collection.AddInvoiceOcr();
        using var services = collection.BuildServiceProvider();

        Assert.Single(services.GetServices<IHostedService>().OfType<BudgetReclaimService>());
    }

    private static ServiceProvider Build(TimeProvider time, out ObservedBudgetStore store)
    {
        var collection = new ServiceCollection();
        collection.AddSingleton(time);
        collection.AddInvoiceOcr(o =>
        {
            o.KeyPool.ReservationTimeToLive = TimeSpan.FromMinutes(5);
            o.Retry.TotalTimeout = TimeSpan.FromMinutes(4);
            o.KeyPool.ReservationReclaimInterval = TimeSpan.FromMinutes(1);
        });
        var observed = new ObservedBudgetStore();
        collection.AddSingleton<IBudgetStore>(sp => observed.Wrap(sp.GetRequiredService<InMemoryInvoiceOcrStore>()));
        store = observed;
        var provider = collection.BuildServiceProvider(validateScopes: true);
        _ = provider.GetRequiredService<IBudgetStore>(); // wraps the in-memory store now, so the test can use it before the service starts
        return provider;
    }

    /// <summary>The in-memory store, reporting each reclaim (its count, or -1 when it failed) to the test.</summary>
    private sealed class ObservedBudgetStore : IBudgetStore
    {
        private readonly Channel<int> _reclaims = Channel.CreateUnbounded<int>();
        private IBudgetStore _inner = null!;

        public bool FailNext { get; set; }

        public IBudgetStore Wrap(IBudgetStore inner)
        {
            _inner = inner;
            return this;
        }

        public Task<int> NextReclaimAsync() => _reclaims.Reader.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(60), Ct);

        public async Task<int> ReclaimExpiredBudgetReservationsAsync(DateTimeOffset now, CancellationToken cancellationToken)
        {
            if (FailNext)
            {
                FailNext = false;
                _reclaims.Writer.TryWrite(-1);
                throw new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, "The test store is down.");
            }

            var count = await _inner.ReclaimExpiredBudgetReservationsAsync(now, cancellationToken);
            _reclaims.Writer.TryWrite(count);
            return count;
        }

        public Task<BudgetReservationResult> ReserveBudgetAsync(BudgetReservationRequest request, CancellationToken cancellationToken) => _inner.ReserveBudgetAsync(request, cancellationToken);

        public Task<BudgetMonthUsage?> SettleBudgetAsync(string reservationId, long actualNanos, CancellationToken cancellationToken) => _inner.SettleBudgetAsync(reservationId, actualNanos, cancellationToken);

        public Task<BudgetMonthUsage> GetBudgetMonthAsync(string companyId, DateOnly month, CancellationToken cancellationToken) => _inner.GetBudgetMonthAsync(companyId, month, cancellationToken);
    }
}
