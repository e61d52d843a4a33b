using InvoiceOcr.Sdk.Tests.Storage;

namespace InvoiceOcr.Sdk.PostgreSql.Tests.Storage;

/// <summary>The shared store contract, live against the PostgreSQL test server (a fresh schema per test).</summary>
public sealed class PostgreSqlStoreContractTests : StoreContractTests
{
    protected override async Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock)
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
