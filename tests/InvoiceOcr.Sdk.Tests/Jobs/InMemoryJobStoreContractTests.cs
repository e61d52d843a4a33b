using InvoiceOcr.Sdk.StoreContract;

namespace InvoiceOcr.Sdk.Tests.Jobs;

public sealed class InMemoryJobStoreContractTests : JobStoreContractTests
{
    protected override Task<(IInvoiceJobStore Store, IAsyncDisposable? Owner)> CreateStoreAsync() =>
        Task.FromResult<(IInvoiceJobStore, IAsyncDisposable?)>((new InMemoryInvoiceJobStore(), null));
}
