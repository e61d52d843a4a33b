using System.Net;
using System.Net.Http.Headers;
using BenchmarkDotNet.Attributes;
using InvoiceOcr.Sdk.Benchmarks.Support;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.Sdk.Invoices;
using InvoiceOcr.Sdk.Pipeline;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Sdk.Benchmarks.Micro;

/// <summary>
/// The SDK's own CPU cost of one model call, with no network and no emulator: the model-call pipeline (operation claim, key lease and
/// reservation, attempt journal, retry and breaker, request building, the HTTP client factory's handler chain, answer and usage
/// parsing, settlement, the usage ledger, metrics and the activity) registered as users register it on the in-memory
/// store, with the primary HTTP handler replaced by an in-memory stub answering a recorded structured-invoice response.
/// The baseline is a plain <see cref="HttpClient"/> over the same stub posting the same prebuilt request bytes, so the
/// difference is what the SDK adds per call.
/// </summary>
[MemoryDiagnoser]
public class ModelCallPathBenchmarks
{
    private const string Model = "gemini-2.5-flash";
    private const string Company = "company-micro";
    private const string Secret = "test-key-micro-benchmark-0001";

    private SdkHost _host = null!;
    private ModelCallPipeline _pipeline = null!;
    private GeminiGenerateRequest _request = null!;
    private ExtractionContext _context = null!;
    private HttpClient _raw = null!;
    private Uri _endpoint = null!;
    private byte[] _body = [];
    private long _operation;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var pdf = BenchmarkPdf.Create();
        _host = await SdkHost.StartAsync(sqlite: false, new Uri("http://127.0.0.1:9/"), services =>
            services.AddHttpClient(GeminiClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new StubModelHandler()));
        await _host.Services.GetRequiredService<IApiKeyStore>().AddAsync(
            new ApiKey { Id = "micro-key", CompanyId = Company, ProjectId = "p-micro", Secret = Secret },
            CancellationToken.None);
        _pipeline = _host.Services.GetRequiredService<ModelCallPipeline>();
        _request = new GeminiGenerateRequest(pdf, "application/pdf", InvoicePrompt.SystemInstruction, InvoicePrompt.UserPrompt, InvoiceSchema.ResponseJsonSchema) { Model = Model };
        _context = new ExtractionContext(Company);

        var dto = GeminiClient.BuildRequest(_request, new GeminiOptions(), new GeminiPart { InlineData = new GeminiInlineData { MimeType = "application/pdf" } });
        using (var content = GenerateContentHttpContent.Create(dto, pdf))
        {
            _body = await content.ReadAsByteArrayAsync();
        }

        _raw = new HttpClient(new StubModelHandler());
        _endpoint = new Uri($"http://127.0.0.1:9/v1beta/models/{Model}:generateContent");
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _raw.Dispose();
        await _host.DisposeAsync();
    }

    [Benchmark(Baseline = true, Description = "raw HttpClient, prebuilt bytes")]
    public async Task<int> Raw()
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, _endpoint) { Content = new ByteArrayContent(_body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        message.Headers.TryAddWithoutValidation(GeminiClient.ApiKeyHeader, Secret);
        using var response = await _raw.SendAsync(message, HttpCompletionOption.ResponseContentRead);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadAsByteArrayAsync()).Length;
    }

    [Benchmark(Description = "model-call path (pipeline + GeminiClient)")]
    public async Task<int> ModelCallPath()
    {
        var operationId = "op-" + (++_operation).ToString(System.Globalization.CultureInfo.InvariantCulture);
        // As the extractor builds it for a call without an idempotency key: the operation id is this call's alone.
        var call = new ModelCallContext(_context, operationId, _request, 0, 10_000) { FileName = "micro.pdf", IsReplayable = false };
        await _pipeline.ExecuteAsync(call, CancellationToken.None);
        return call.Usage.TotalTokens;
    }

    /// <summary>Drains the request body like a socket would and answers the recorded structured-invoice response.</summary>
    internal sealed class StubModelHandler : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.Content is { } content)
            {
                await content.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            }

            var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new ByteArrayContent(ResponseShapes.StructuredInvoice) };
            response.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            return response;
        }
    }
}
