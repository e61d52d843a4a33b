using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.AI.Internal;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the SDK's Gemini <see cref="IChatClient"/> (package InvoiceOcr.Sdk.AI).</summary>
public static class ChatClientInvoiceOcrBuilderExtensions
{
    /// <summary>
    /// Registers an <see cref="IChatClient"/> that calls Gemini through the SDK's model-call pipeline: each call is leased from
    /// the company's key pool with a quota reservation, retried with failover, settled and recorded in the usage ledger. The
    /// company comes from <see cref="InvoiceOcr.Sdk.AI.InvoiceOcrChatProperties.CompanyId"/> in the options or from an
    /// <see cref="InvoiceOcr.Sdk.AI.InvoiceOcrChatScope"/>; a call with neither fails with an <see cref="InvoiceOcrException"/>.
    /// </summary>
    /// <param name="builder">The SDK's builder.</param>
    /// <param name="lifetime">The client's lifetime; the default is <see cref="ServiceLifetime.Singleton"/>.</param>
    /// <returns>M.E.AI's <see cref="ChatClientBuilder"/>, to add middleware (<c>UseOpenTelemetry</c>, <c>UseLogging</c>, <c>UseDistributedCache</c>…) in the order calls take it.</returns>
    public static ChatClientBuilder AddChatClient(this InvoiceOcrBuilder builder, ServiceLifetime lifetime = ServiceLifetime.Singleton)
    {
        ArgumentNullException.ThrowIfNull(builder);
        return builder.Services.AddChatClient(
            static provider => new GeminiChatClient(
                provider.GetRequiredService<IModelCallRunner>(),
                provider.GetRequiredService<IOptionsMonitor<GeminiOptions>>(),
                provider.GetService<TimeProvider>() ?? TimeProvider.System),
            lifetime);
    }
}
