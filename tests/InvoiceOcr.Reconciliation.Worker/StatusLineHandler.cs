using System.Globalization;
using System.Net;

namespace InvoiceOcr.Reconciliation.Worker;

/// <summary>Writes one line per 429 the server answered ("http 429 …"), so the test can count them across processes.</summary>
internal sealed class StatusLineHandler(WorkerOutput output) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.TooManyRequests)
        {
            output.Write(string.Create(CultureInfo.InvariantCulture, $"http 429 {response.Headers.RetryAfter}"));
        }

        return response;
    }
}
