using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.SqlServer.Tests.Storage;

/// <summary>The shared operation store contract against a real SQL Server (a fresh schema per test); skipped without a server.</summary>
public sealed class SqlServerOperationStoreContractTests : OperationStoreContractTests
{
    protected override int ConcurrencyRounds => 5;

    protected override async Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock)
    {
        var database = SqlServerTestDatabase.Require();
        var store = new SqlServerInvoiceOcrStore(database.Options(), clock);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        return new StoreUnderTest(store, store, store, store, database);
    }
}
