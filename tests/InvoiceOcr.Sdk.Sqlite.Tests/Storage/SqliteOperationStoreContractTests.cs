using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.Sqlite.Tests.Storage;

/// <summary>The shared operation store contract, against a real SQLite file per test.</summary>
public sealed class SqliteOperationStoreContractTests : OperationStoreContractTests
{
    protected override int ConcurrencyRounds => 5;

    protected override Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock) => SqliteStoreContractTests.CreateAsync(clock);
}
