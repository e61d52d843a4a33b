using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.Sqlite.Tests.Storage;

/// <summary>The shared quota concurrency and interleaving properties, against a real SQLite file per run.</summary>
public sealed class SqliteQuotaConcurrencyContractTests : QuotaConcurrencyContractTests
{
    protected override int Iterations => 5;

    protected override int PropertyIterations => 25;

    protected override Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock) => SqliteStoreContractTests.CreateAsync(clock);
}
