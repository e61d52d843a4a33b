using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.PostgreSql.Tests.Storage;

/// <summary>The shared store contract, live against the PostgreSQL test server (a fresh schema per test).</summary>
public sealed class PostgreSqlStoreContractTests : StoreContractTests
{
    protected override Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock) => CreateAsync(clock);

    /// <summary>A fresh schema and its store, dropped when the store under test is disposed (shared by the PostgreSQL subclasses of the contract suites).</summary>
    internal static async Task<StoreUnderTest> CreateAsync(TimeProvider clock)
    {
        var schema = await PostgreSqlTestSchema.CreateAsync();
        var store = new PostgreSqlInvoiceOcrStore(schema.Options(), clock);
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        return new StoreUnderTest(store, store, store, store, new Owner(store, schema));
    }

    private sealed class Owner(PostgreSqlInvoiceOcrStore store, PostgreSqlTestSchema schema) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await store.DisposeAsync();
            await schema.DisposeAsync();
        }
    }
}
