namespace InvoiceOcr.Sdk;

/// <summary>
/// Runs a general model call through the SDK's model-call pipeline, exactly as an extraction's call runs: the company's key
/// is leased with a quota reservation, the attempt is journaled, retried or failed over, settled with the billed usage and
/// recorded in the usage ledger. It is the seam other front ends build on (the <c>InvoiceOcr.Sdk.AI</c> package's
/// <c>IChatClient</c>); registered by <c>AddInvoiceOcr</c>.
/// </summary>
public interface IModelCallRunner
{
    /// <summary>Runs one logical call (with its retries) for a company.</summary>
    /// <param name="request">What to send.</param>
    /// <param name="caller">Who pays: the company whose keys and quotas serve the call, and optionally the user, branch and idempotency key recorded with it.</param>
    /// <param name="cancellationToken">Cancels the call; an attempt already sent is still recorded.</param>
    /// <returns>The answer and its billed usage.</returns>
    /// <exception cref="InvoiceOcrException">The call failed or was refused (quotas, no key, a blocked prompt…); <see cref="InvoiceOcrException.Kind"/> says why.</exception>
    Task<ModelResponse> CallAsync(ModelRequest request, ExtractionContext caller, CancellationToken cancellationToken = default);
}
