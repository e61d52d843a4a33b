using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.Sqlite.Tests.Storage;

/// <summary>The shared store contract, run against a real SQLite file per test.</summary>
public sealed class SqliteStoreContractTests : StoreContractTests
{
    protected override async Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock)
    {
        var database = new TestDatabase();
        var store = await database.CreateStoreAsync(clock);
        return new StoreUnderTest(store, store, store, store, new Owner(database));
    }

    private sealed class Owner(TestDatabase database) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            database.Dispose();
            return ValueTask.CompletedTask;
        }
    }
}
