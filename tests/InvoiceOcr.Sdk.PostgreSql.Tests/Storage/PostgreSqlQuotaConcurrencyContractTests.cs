using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.PostgreSql.Tests.Storage;

/// <summary>The shared quota concurrency and interleaving properties, live against the PostgreSQL test server (a fresh schema per run).</summary>
public sealed class PostgreSqlQuotaConcurrencyContractTests : QuotaConcurrencyContractTests
{
    protected override int Iterations => 5;

    protected override int PropertyIterations => 25;

    protected override Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock) => PostgreSqlStoreContractTests.CreateAsync(clock);
}
