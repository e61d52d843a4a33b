using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.Sqlite.Tests.Storage;

/// <summary>The shared quota concurrency and interleaving properties, against a real SQLite file per run.</summary>
public sealed class SqliteQuotaConcurrencyContractTests : QuotaConcurrencyContractTests
{
    protected override int Iterations => 5;

    protected override int PropertyIterations => 25;

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
