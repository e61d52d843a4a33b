using System.Net;
using System.Text;

namespace InvoiceOcr.Sdk.Tests.Gemini;

/// <summary>
/// Records every request (with its body, read when sent) and answers from a script. Used only for wire-shape
/// tests: what exactly goes over the wire. Behaviour end to end is tested against the emulator.
/// </summary>
internal sealed class RecordingHandler : HttpMessageHandler
{
    private readonly Func<RecordedRequest, int, HttpResponseMessage> _respond;

    public RecordingHandler(Func<RecordedRequest, int, HttpResponseMessage> respond) => _respond = respond;

    public List<RecordedRequest> Requests { get; } = [];

    public static HttpResponseMessage Json(string json, HttpStatusCode status = HttpStatusCode.OK) =>
        new(status) { Content = new StringContent(json, Encoding.UTF8, "application/json") };

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var body = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
        var headers = request.Headers.Concat(request.Content?.Headers ?? Enumerable.Empty<KeyValuePair<string, IEnumerable<string>>>())
            .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        var recorded = new RecordedRequest(request.Method, request.RequestUri!, headers, body, request.Content?.Headers.ContentLength);
        lock (Requests)
        {
            Requests.Add(recorded);
        }

        cancellationToken.ThrowIfCancellationRequested();
        return _respond(recorded, Requests.Count - 1);
    }
}

internal sealed record RecordedRequest(HttpMethod Method, Uri Uri, IReadOnlyDictionary<string, string> Headers, byte[] Body, long? ContentLength)
{
    public string BodyText => Encoding.UTF8.GetString(Body);
}
