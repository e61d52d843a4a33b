using InvoiceOcr.Sdk;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// Copies the SDK's attempt id (the request option <see cref="InvoiceOcrTelemetry.AttemptIdRequestOption"/>) into the
/// emulator's test-only header, so the emulator's ledger names the attempt each billed call belonged to. Test use only:
/// the header is not Gemini's. (The reconciliation worker compiles this file too, without a reference to the emulator: hence
/// the header's name spelled here; a mismatch would leave every billed call without an attempt id, which the runs assert.)
/// </summary>
internal sealed class TestAttemptHeaderHandler : DelegatingHandler
{
    /// <summary>The emulator's test-only header (<c>GeminiEmulator.TestAttemptHeader</c>).</summary>
    public const string Header = "x-invoiceocr-test-attempt";

    private static readonly HttpRequestOptionsKey<string> AttemptId = new(InvoiceOcrTelemetry.AttemptIdRequestOption);

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Options.TryGetValue(AttemptId, out var attemptId))
        {
            request.Headers.TryAddWithoutValidation(Header, attemptId);
        }

        return base.SendAsync(request, cancellationToken);
    }
}
