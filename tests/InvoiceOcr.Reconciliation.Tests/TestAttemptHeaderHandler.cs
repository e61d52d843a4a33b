using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// Copies the SDK's attempt id (the request option <see cref="InvoiceOcrTelemetry.AttemptIdRequestOption"/>) into the
/// emulator's test-only header, so the emulator's ledger names the attempt each billed call belonged to. Test use only:
/// the header is not Gemini's.
/// </summary>
internal sealed class TestAttemptHeaderHandler : DelegatingHandler
{
    private static readonly HttpRequestOptionsKey<string> AttemptId = new(InvoiceOcrTelemetry.AttemptIdRequestOption);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(AttemptId, out var attemptId))
        {
            request.Headers.TryAddWithoutValidation(GeminiEmulator.TestAttemptHeader, attemptId);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
