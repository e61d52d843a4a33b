using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.SqlServer.Tests.Storage;

/// <summary>The shared quota concurrency and interleaving properties against a real SQL Server (a fresh schema per run); skipped without a server.</summary>
public sealed class SqlServerQuotaConcurrencyContractTests : QuotaConcurrencyContractTests
{
    protected override int Iterations => 3;

    protected override int PropertyIterations => 10;

    protected override async Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock)
    {
        var database = SqlServerTestDatabase.Require();
        var store = new SqlServerInvoiceOcrStore(database.Options(), clock);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        return new StoreUnderTest(store, store, store, store, database);
    }
}
