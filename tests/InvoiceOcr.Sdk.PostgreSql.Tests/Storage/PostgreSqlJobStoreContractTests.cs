using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.PostgreSql.Tests.Storage;

/// <summary>The job store contract, live against the PostgreSQL test server (a fresh schema per test).</summary>
public sealed class PostgreSqlJobStoreContractTests : JobStoreContractTests
{
    protected override async Task<(IInvoiceJobStore Store, IAsyncDisposable? Owner)> CreateStoreAsync()
    {
        var schema = await PostgreSqlTestSchema.CreateAsync();
        await using (var store = new PostgreSqlInvoiceOcrStore(schema.Options()))
        {
            await store.InitializeAsync(TestContext.Current.CancellationToken); // applies the migrations, 0002_Jobs included
        }

        var jobs = new PostgreSqlInvoiceJobStore(schema.Options());
        return (jobs, new Owner(jobs, schema));
    }

    private sealed class Owner(PostgreSqlInvoiceJobStore jobs, PostgreSqlTestSchema schema) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await jobs.DisposeAsync();
            await schema.DisposeAsync();
        }
    }
}
