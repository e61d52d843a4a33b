using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk.SqlServer.Tests.Storage;

/// <summary>SQL Server specifics beyond the shared contract; each needs a real server and skips (saying why) without one.</summary>
public sealed class SqlServerStoreTests
{
    private const string Hostile = "'); DROP TABLE TokenMaster;--";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Stores_InjectionTextInEveryFreeTextField_StoredVerbatim()
    {
        await using var database = SqlServerTestDatabase.Require();
        var store = new SqlServerInvoiceOcrStore(database.Options());
        await store.InitializeAsync(Ct);
        var record = new UsageRecord
        {
            Id = "u-" + Hostile,
            OperationId = "op-" + Hostile,
            CompanyId = Hostile,
            Branch = Hostile,
            UserId = Hostile,
            FileName = Hostile + ".pdf",
            KeyId = "k-1",
            Model = "gemini-2.5-flash",
            TotalTokens = 5,
            StartedAt = DateTimeOffset.UnixEpoch,
            CompletedAt = DateTimeOffset.UnixEpoch,
        };

        Assert.True(await store.AddAsync(new ApiKey { Id = "k-1", CompanyId = Hostile, CompanyName = Hostile, ProjectId = Hostile, Secret = "test-key-" + Hostile }, Ct));
        Assert.True(await store.AppendAsync(record, Ct));

        Assert.Equal(record, await ((IUsageLedger)store).GetAsync(record.Id, Ct));
        Assert.Equal(Hostile, Assert.Single(await store.ListByCompanyAsync(Hostile, Ct)).CompanyName);
    }

    [Fact]
    public async Task InitializeAsync_ConcurrentInstances_MigrateOnceUnderTheApplicationLock()
    {
        await using var database = SqlServerTestDatabase.Require();
        var stores = Enumerable.Range(0, 4).Select(_ => new SqlServerInvoiceOcrStore(database.Options())).ToList();

        await Task.WhenAll(stores.Select(s => Task.Run(() => s.InitializeAsync(Ct))));

        Assert.Null(await stores[0].GetAsync("none", Ct));
    }

    [Fact]
    public async Task UsageLogger_ConcurrentWritersAndReplays_OneRowPerId()
    {
        await using var database = SqlServerTestDatabase.Require();
        var store = new SqlServerInvoiceOcrStore(database.Options());
        await store.InitializeAsync(Ct);
        await using var logger = new DurableUsageLogger(store, new DurableUsageLoggerOptions { OutboxDirectory = Path.Combine(Path.GetTempPath(), "invoiceocr-sqlserver-outbox", database.Schema) });
        var records = Enumerable.Range(0, 200).Select(i => new UsageRecord
        {
            Id = "u-" + (i % 100),
            OperationId = "op",
            CompanyId = "c-1",
            KeyId = "k-1",
            Model = "gemini-2.5-flash",
            TotalTokens = 10,
            StartedAt = DateTimeOffset.UnixEpoch,
            CompletedAt = DateTimeOffset.UnixEpoch,
        });

        await Task.WhenAll(records.Select(r => Task.Run(async () => await logger.LogUsageAsync(r, Ct))));

        var rows = await store.ListAsync(new UsageQuery("c-1"), Ct);
        Assert.Equal(100, rows.Count);
        var summary = Assert.Single(await store.SummarizeAsync(new UsageQuery("c-1"), UsageGrouping.None, Ct));
        Assert.Equal(1000, summary.TotalTokens);
    }
}
