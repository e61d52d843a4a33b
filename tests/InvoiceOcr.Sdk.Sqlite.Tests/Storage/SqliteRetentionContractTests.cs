using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.Sqlite.Tests.Storage;

/// <summary>The shared retention suite, run against a real SQLite file per test.</summary>
public sealed class SqliteRetentionContractTests : RelationalRetentionContractTests
{
    protected override Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock) => SqliteStoreContractTests.CreateAsync(clock);
}
