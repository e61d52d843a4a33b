using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.Tests.Storage;

/// <summary>The shared quota concurrency and interleaving properties, against the in-memory store.</summary>
public sealed class InMemoryQuotaConcurrencyContractTests : QuotaConcurrencyContractTests
{
    protected override int Iterations => 100;

    protected override int PropertyIterations => 200;

    protected override Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock)
    {
        var store = new InMemoryInvoiceOcrStore(clock);
        return Task.FromResult(new StoreUnderTest(store, store, store, store));
    }
}
