using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.PostgreSql.Tests.Storage;

/// <summary>The shared retention suite, live against the PostgreSQL test server (a fresh schema per test).</summary>
public sealed class PostgreSqlRetentionContractTests : RelationalRetentionContractTests
{
    protected override Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock) => PostgreSqlStoreContractTests.CreateAsync(clock);
}
