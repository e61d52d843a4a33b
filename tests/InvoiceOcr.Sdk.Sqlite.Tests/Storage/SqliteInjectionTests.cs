namespace InvoiceOcr.Sdk.Sqlite.Tests.Storage;

/// <summary>Hostile text is data: every value is a parameter, stored and returned verbatim.</summary>
public sealed class SqliteInjectionTests : IDisposable
{
    private const string Hostile = "'); DROP TABLE TokenMaster;--";
    private readonly TestDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task Stores_InjectionTextInEveryFreeTextField_StoredVerbatimAndTablesIntact()
    {
        var store = await _database.CreateStoreAsync();
        var record = new UsageRecord
        {
            Id = "u-" + Hostile,
            OperationId = "op-" + Hostile,
            CompanyId = Hostile,
            Branch = Hostile + " branch",
            UserId = Hostile + " user",
            FileName = Hostile + ".pdf",
            KeyId = "k-1",
            Model = "gemini-2.5-flash",
            ResponseId = Hostile,
            RawUsageJson = "{\"x\":\"" + Hostile + "\"}",
            TotalTokens = 5,
            StartedAt = DateTimeOffset.UnixEpoch,
            CompletedAt = DateTimeOffset.UnixEpoch,
        };

        Assert.True(await store.AddAsync(new ApiKey { Id = "k-1", CompanyId = Hostile, CompanyName = Hostile, ProjectId = Hostile, Secret = "test-key-" + Hostile }, Ct));
        Assert.True(await store.AppendAsync(record, Ct));
        Assert.True(await store.AppendAsync(new RetryAttemptRecord { OperationId = Hostile, AttemptNumber = 1, CompanyId = Hostile, KeyId = "k-1" }, Ct));

        Assert.Equal(record, await ((IUsageLedger)store).GetAsync(record.Id, Ct));
        var listed = Assert.Single(await store.ListAsync(new UsageQuery(Hostile) { Branch = Hostile + " branch", UserId = Hostile + " user" }, Ct));
        Assert.Equal(Hostile + ".pdf", listed.FileName);
        var key = Assert.Single(await store.ListByCompanyAsync(Hostile, Ct));
        Assert.Equal(Hostile, key.CompanyName);
        Assert.Equal("test-key-" + Hostile, key.Secret);
        Assert.Equal(Hostile, Assert.Single(await store.ListByOperationAsync(Hostile, Ct)).CompanyId);
    }
}
