using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.Tests.Storage;

public sealed class InMemoryOperationStoreContractTests : OperationStoreContractTests
{
    protected override Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock)
    {
        var store = new InMemoryInvoiceOcrStore(clock);
        return Task.FromResult(new StoreUnderTest(store, store, store, store));
    }
}
