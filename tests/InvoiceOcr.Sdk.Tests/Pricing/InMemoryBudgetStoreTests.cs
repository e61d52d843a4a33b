namespace InvoiceOcr.Sdk.Tests.Pricing;

public sealed class InMemoryBudgetStoreTests
{
    private static readonly DateOnly Month = new(2026, 12, 1);

    [Fact]
    public async Task ReserveBudgetAsync_ConcurrentCallers_NeverCommitPastTheLimit()
    {
        var store = new InMemoryInvoiceOcrStore();
        var granted = 0;
        await Parallel.ForEachAsync(Enumerable.Range(0, 200), async (i, ct) =>
        {
            var result = await store.ReserveBudgetAsync(new BudgetReservationRequest("r" + i, "acme", Month, 7, LimitNanos: 100, DateTimeOffset.MaxValue), ct);
            if (result.Reserved)
            {
                Interlocked.Increment(ref granted);
                Assert.True(result.Usage.CommittedNanos <= 100);
                await store.SettleBudgetAsync("r" + i, 5, ct);
            }
        });

        var month = await store.GetBudgetMonthAsync("acme", Month, CancellationToken.None);
        Assert.Equal(0, month.ReservedNanos);
        Assert.Equal(granted * 5L, month.SpentNanos);
        Assert.True(month.SpentNanos is <= 100 and > 90, $"Spent {month.SpentNanos}: the budget must be used up without passing it.");
    }

    [Fact]
    public async Task SettleBudgetAsync_Twice_SecondIsANoOp()
    {
        var store = new InMemoryInvoiceOcrStore();
        await store.ReserveBudgetAsync(new BudgetReservationRequest("r1", "acme", Month, 50, null, DateTimeOffset.MaxValue), CancellationToken.None);

        Assert.Equal(new BudgetMonthUsage(20, 0), await store.SettleBudgetAsync("r1", 20, CancellationToken.None));
        Assert.Null(await store.SettleBudgetAsync("r1", 20, CancellationToken.None));
    }

    [Fact]
    public async Task ReclaimExpiredBudgetReservationsAsync_ExpiredHold_IsChargedAtItsReservation()
    {
        var store = new InMemoryInvoiceOcrStore();
        var now = new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero);
        await store.ReserveBudgetAsync(new BudgetReservationRequest("r1", "acme", Month, 50, null, now), CancellationToken.None);

        Assert.Equal(1, await store.ReclaimExpiredBudgetReservationsAsync(now, CancellationToken.None));
        Assert.Equal(new BudgetMonthUsage(50, 0), await store.GetBudgetMonthAsync("acme", Month, CancellationToken.None));
    }
}
