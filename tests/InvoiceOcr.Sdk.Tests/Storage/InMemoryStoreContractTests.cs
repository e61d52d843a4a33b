using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.Tests.Storage;

public sealed class InMemoryStoreContractTests : StoreContractTests
{
    protected override Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock)
    {
        var store = new InMemoryInvoiceOcrStore(clock);
        return Task.FromResult(new StoreUnderTest(store, store, store, store));
    }
}
