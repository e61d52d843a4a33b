namespace InvoiceOcr.Sdk.AI;

/// <summary>
/// An ambient caller for chat calls made by code that cannot pass <see cref="Microsoft.Extensions.AI.ChatOptions"/> (a library
/// that calls <c>IChatClient</c> for you): within <see cref="Begin"/>'s scope (the async flow that started it), calls without
/// <see cref="InvoiceOcrChatProperties.CompanyId"/> are billed to the scope's company.
/// </summary>
/// <remarks>
/// M.E.AI's <c>UseDistributedCache</c> keys its entries by the messages and options, not by this scope: when a cache sits in
/// front of the client, pass the company in the options, or two companies could share an answer.
/// </remarks>
public static class InvoiceOcrChatScope
{
    private static readonly AsyncLocal<ExtractionContext?> Ambient = new();

    /// <summary>Gets the caller of the current scope, or <see langword="null"/> outside any scope.</summary>
    public static ExtractionContext? Current => Ambient.Value;

    /// <summary>Starts a scope: until it is disposed, the current async flow's chat calls are made for <paramref name="caller"/>.</summary>
    /// <param name="caller">The company (and user, branch) that pays.</param>
    /// <returns>Disposing it restores the previous scope.</returns>
    public static IDisposable Begin(ExtractionContext caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var previous = Ambient.Value;
        Ambient.Value = caller;
        return new Scope(previous);
    }

    private sealed class Scope(ExtractionContext? previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (!_disposed)
            {
                _disposed = true;
                Ambient.Value = previous;
            }
        }
    }
}
