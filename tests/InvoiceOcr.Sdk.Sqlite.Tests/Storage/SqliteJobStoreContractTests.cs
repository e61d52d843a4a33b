using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.Sqlite.Tests.Storage;

public sealed class SqliteJobStoreContractTests : JobStoreContractTests
{
    protected override async Task<(IInvoiceJobStore Store, IAsyncDisposable? Owner)> CreateStoreAsync()
    {
        var database = new TestDatabase();
        var options = database.Options();
        await database.CreateStoreAsync(); // applies the migrations, 0002_Jobs included
        return (new SqliteInvoiceJobStore(options), new Owner(database));
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
