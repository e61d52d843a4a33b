using InvoiceOcr.Sdk.Documents;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Tests.Documents;

public sealed class DocumentIntakeServiceCollectionExtensionsTests
{
    [Fact]
    public async Task AddDocumentIntake_ResolvesInspectorThatUsesConfiguredOptions()
    {
        var services = new ServiceCollection().AddLogging().AddDocumentIntake();
        services.Configure<DocumentOptions>(o => o.MaxPages = 1);
        using var provider = services.BuildServiceProvider();

        var inspector = provider.GetRequiredService<DocumentInspector>();

        Assert.Same(inspector, provider.GetRequiredService<DocumentInspector>());
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        var ex = await Assert.ThrowsAsync<InvalidDocumentException>(() => inspector.InspectAsync(
            InvoiceDocument.FromBytes(TestSupport.SharedData.ReadInvoice("invoice2data/QualityHosting.pdf"), "QualityHosting.pdf"),
            TestContext.Current.CancellationToken));
        Assert.Equal(DocumentRejectionReason.TooManyPages, ex.Reason);
    }

    [Fact]
    public void AddDocumentIntake_KeepsARegisteredTimeProvider()
    {
        var custom = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        using var provider = new ServiceCollection().AddSingleton<TimeProvider>(custom).AddLogging().AddDocumentIntake().BuildServiceProvider();

        Assert.Same(custom, provider.GetRequiredService<TimeProvider>());
        Assert.NotNull(provider.GetRequiredService<IOptionsMonitor<DocumentOptions>>().CurrentValue);
    }
}
