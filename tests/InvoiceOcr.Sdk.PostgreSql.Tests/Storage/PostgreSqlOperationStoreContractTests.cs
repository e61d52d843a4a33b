using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.PostgreSql.Tests.Storage;

/// <summary>The shared operation store contract, live against the PostgreSQL test server (a fresh schema per test).</summary>
public sealed class PostgreSqlOperationStoreContractTests : OperationStoreContractTests
{
    protected override int ConcurrencyRounds => 5;

    protected override Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock) => PostgreSqlStoreContractTests.CreateAsync(clock);
}
