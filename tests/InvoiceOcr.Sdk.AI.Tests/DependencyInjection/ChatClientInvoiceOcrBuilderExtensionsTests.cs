using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Sdk.AI.Tests.DependencyInjection;

public sealed class ChatClientInvoiceOcrBuilderExtensionsTests
{
    [Fact]
    public async Task AddChatClient_Resolved_IsTheSdksGeminiClientWithItsMetadata()
    {
        var services = new ServiceCollection();
        var builder = services.AddInvoiceOcr(static options =>
        {
            options.Gemini.BaseAddress = new Uri("http://127.0.0.1:9/");
            options.Gemini.Model = "gemini-2.5-pro";
        }).AddChatClient();
        await using var provider = services.BuildServiceProvider(validateScopes: true);

        Assert.IsType<ChatClientBuilder>(builder);
        var metadata = provider.GetRequiredService<IChatClient>().GetService<ChatClientMetadata>();
        Assert.NotNull(metadata);
        Assert.Equal("gcp.gemini", metadata.ProviderName);
        Assert.Equal("gemini-2.5-pro", metadata.DefaultModelId);
        Assert.Equal(new Uri("http://127.0.0.1:9/"), metadata.ProviderUri);
    }
}
