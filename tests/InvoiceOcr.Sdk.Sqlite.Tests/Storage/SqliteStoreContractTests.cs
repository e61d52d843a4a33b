using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.Sqlite.Tests.Storage;

/// <summary>The shared store contract, run against a real SQLite file per test.</summary>
public sealed class SqliteStoreContractTests : StoreContractTests
{
    protected override Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock) => CreateAsync(clock);

    /// <summary>A fresh SQLite file and its store, deleted when the store under test is disposed (shared by the SQLite subclasses of the contract suites).</summary>
    internal static async Task<StoreUnderTest> CreateAsync(TimeProvider clock)
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
