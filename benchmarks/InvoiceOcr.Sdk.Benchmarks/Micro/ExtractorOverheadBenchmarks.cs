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
/// What <see cref="IInvoiceExtractor.ExtractAsync"/> adds around the model call, without a network or an emulator: the
/// SDK as users register it (in-memory store, <see cref="EInvoiceMode.ModelOnly"/> as in the load run), its HTTP client
/// answered in process by a stub. Baseline: the model-call path alone (key lease, retry pipeline, request, answer and
/// usage parsing, settlement, ledger), exactly as the load run measures it. The difference is the extractor's own cost:
/// intake (sniffing, PdfPig structure read, SHA-256), the token estimate, answer to <see cref="Invoice"/>, validation.
/// </summary>
[MemoryDiagnoser]
public class ExtractorOverheadBenchmarks
{
    private const string Company = "company-overhead";
    private const string Model = "gemini-2.5-flash";

    private SdkHost _host = null!;
    private IInvoiceExtractor _extractor = null!;
    private ModelCallPipeline _pipeline = null!;
    private GeminiGenerateRequest _request = null!;
    private InvoiceDocument _document = null!;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var pdf = BenchmarkPdf.Create();
        _document = InvoiceDocument.FromBytes(pdf, "bench.pdf");
        _host = await SdkHost.StartAsync(sqlite: false, new Uri("http://127.0.0.1:9/"), services =>
            services.AddHttpClient(GeminiClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => new StubAnswerHandler())).ConfigureAwait(false);
        await _host.Services.GetRequiredService<IApiKeyStore>().AddAsync(
            new ApiKey { Id = "key-overhead", CompanyId = Company, ProjectId = "p-overhead", Secret = "test-key-overhead-0001", Rates = QuotaLimits.None },
            CancellationToken.None).ConfigureAwait(false);
        _extractor = _host.Services.GetRequiredService<IInvoiceExtractor>();
        _pipeline = _host.Services.GetRequiredService<ModelCallPipeline>();
        _request = new GeminiGenerateRequest(pdf, "application/pdf", InvoicePrompt.SystemInstruction, InvoicePrompt.UserPrompt, InvoiceSchema.ResponseJsonSchema) { Model = Model };
    }

    [GlobalCleanup]
    public async Task CleanupAsync() => await _host.DisposeAsync().ConfigureAwait(false);

    [Benchmark(Baseline = true, Description = "model-call path only")]
    public async Task<int> ModelCallPath()
    {
        var call = new ModelCallContext(new ExtractionContext(Company), Guid.CreateVersion7().ToString("N"), _request, 0, 10_000) { FileName = "bench.pdf", IsReplayable = false };
        await _pipeline.ExecuteAsync(call, CancellationToken.None).ConfigureAwait(false);
        return call.Usage.TotalTokens;
    }

    [Benchmark(Description = "IInvoiceExtractor.ExtractAsync")]
    public async Task<int> Extract() =>
        (await _extractor.ExtractAsync(_document, new ExtractionContext(Company)).ConfigureAwait(false)).Findings.Count;

    /// <summary>Reads the request body and answers with a structured invoice, as Gemini would.</summary>
    private sealed class StubAnswerHandler : HttpMessageHandler
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
