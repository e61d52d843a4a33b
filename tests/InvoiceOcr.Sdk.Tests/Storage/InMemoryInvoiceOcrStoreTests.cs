using System.Globalization;

namespace InvoiceOcr.Sdk.Tests.Storage;

/// <summary>The in-memory store's per-company key index (lookups no longer scan every key of every company).</summary>
public sealed class InMemoryInvoiceOcrStoreTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ApiKey Key(string id, string company) => new()
    {
        Id = id,
        CompanyId = company,
        ProjectId = "p-1",
        Secret = "test-key-index-" + id,
    };

    [Fact]
    public async Task ListByCompanyAsync_ManyCompaniesWithKeysAddedOutOfOrder_ReturnsOnlyThatCompanysKeysInIdOrder()
    {
        var store = new InMemoryInvoiceOcrStore();
        for (var c = 0; c < 1_000; c++)
        {
            var company = "c-" + c.ToString(CultureInfo.InvariantCulture);
            foreach (var suffix in new[] { "m", "a", "z", "b" })
            {
                Assert.True(await store.AddAsync(Key(company + "-" + suffix, company), Ct));
            }
        }

        var keys = await store.ListByCompanyAsync("c-617", Ct);

        Assert.Equal(["c-617-a", "c-617-b", "c-617-m", "c-617-z"], keys.Select(k => k.Id));
        Assert.All(keys, k => Assert.Equal("c-617", k.CompanyId));
    }

    [Fact]
    public async Task SettleAsync_ReservationWhoseSlotLeftTheWindow_LeavesTheSlidingMinuteAlone()
    {
        var clock = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(new DateTimeOffset(2026, 11, 23, 10, 0, 59, TimeSpan.Zero));
        var store = new InMemoryInvoiceOcrStore(clock);
        await store.AddAsync(Key("k-1", "c-1"), Ct);
        var early = (await store.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 1_000, TimeSpan.FromMinutes(10)), Ct)).Reservation!;
        clock.Advance(TimeSpan.FromSeconds(62));
        var late = (await store.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 500, TimeSpan.FromMinutes(10)), Ct)).Reservation!;

        await store.SettleAsync(early.Id, 100, Ct);

        Assert.NotEqual(early.Id, late.Id);
        Assert.NotEqual(early.MinuteWindowStart, late.MinuteWindowStart);
        foreach (var (scope, id) in new[] { (QuotaScope.Key, "k-1"), (QuotaScope.Project, "p-1") })
        {
            var usage = await store.GetWindowUsageAsync(scope, id, Ct);
            Assert.Equal(QuotaWindows.SlidingMinuteStart(clock.GetUtcNow()), usage.MinuteWindowStart);
            Assert.Equal((1L, 500L, 2L, 600L), (usage.MinuteRequests, usage.MinuteTokens, usage.DayRequests, usage.DayTokens));
        }
    }

    [Fact]
    public async Task ReserveAsync_ManyKeysOfOneProject_CountsEveryKeyAndTheProjectExactly()
    {
        var store = new InMemoryInvoiceOcrStore();
        for (var i = 0; i < 500; i++)
        {
            await store.AddAsync(Key("k-" + i.ToString(CultureInfo.InvariantCulture), "c-" + i.ToString(CultureInfo.InvariantCulture)), Ct);
        }

        await Parallel.ForAsync(0, 2_000, Ct, async (i, ct) =>
        {
            var n = (i % 500).ToString(CultureInfo.InvariantCulture);
            var reservation = (await store.ReserveAsync(new QuotaReservationRequest("k-" + n, "c-" + n, 10, TimeSpan.FromMinutes(10)), ct)).Reservation!;
            await store.SettleAsync(reservation.Id, 3, ct);
        });

        var project = await store.GetWindowUsageAsync(QuotaScope.Project, "p-1", Ct);
        Assert.Equal((2_000L, 6_000L), (project.DayRequests, project.DayTokens));
        var key = await store.GetWindowUsageAsync(QuotaScope.Key, "k-499", Ct);
        Assert.Equal((4L, 12L), (key.DayRequests, key.DayTokens));
        Assert.Equal(12, (await store.GetAsync("k-499", Ct))!.TokensUsed);
    }

    [Fact]
    public async Task ListByCompanyAsync_DuplicateIdRejected_IndexKeepsOneEntry()
    {
        var store = new InMemoryInvoiceOcrStore();
        Assert.True(await store.AddAsync(Key("k-1", "c-1"), Ct));

        Assert.False(await store.AddAsync(Key("k-1", "c-1"), Ct));
        Assert.False(await store.AddAsync(Key("k-1", "c-2"), Ct));

        Assert.Equal("k-1", Assert.Single(await store.ListByCompanyAsync("c-1", Ct)).Id);
        Assert.Empty(await store.ListByCompanyAsync("c-2", Ct));
    }

    [Fact]
    public async Task ListByCompanyAsync_AfterAStatusChange_ReturnsTheCurrentKey()
    {
        var store = new InMemoryInvoiceOcrStore();
        await store.AddAsync(Key("k-1", "c-1"), Ct);

        Assert.True(await store.TryChangeStatusAsync("k-1", ApiKeyStatus.Active, ApiKeyStatus.Disabled, "test", Ct));

        Assert.Equal(ApiKeyStatus.Disabled, Assert.Single(await store.ListByCompanyAsync("c-1", Ct)).Status);
    }

    [Fact]
    public async Task ListByCompanyAsync_UnknownCompany_ReturnsEmpty()
    {
        var store = new InMemoryInvoiceOcrStore();
        await store.AddAsync(Key("k-1", "c-1"), Ct);

        Assert.Empty(await store.ListByCompanyAsync("c-unknown", Ct));
    }
}
