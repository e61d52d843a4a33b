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
