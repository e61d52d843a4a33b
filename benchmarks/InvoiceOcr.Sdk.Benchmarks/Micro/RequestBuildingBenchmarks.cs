using System.Text.Json;
using BenchmarkDotNet.Attributes;
using InvoiceOcr.Sdk.Benchmarks.Support;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.Sdk.Invoices;

namespace InvoiceOcr.Sdk.Benchmarks.Micro;

/// <summary>
/// Building and writing the generateContent body for a 10 MB PDF. The baseline is what a straightforward client does:
/// base64 the file into a string, put it in the DTO and serialize the whole body to one array. The SDK serializes the
/// small JSON around the document once and streams the base64 in 48 KiB chunks straight to the socket (here, to
/// <see cref="Stream.Null"/>).
/// </summary>
[MemoryDiagnoser]
public class RequestBuildingBenchmarks
{
    private readonly GeminiOptions _options = new();
    private byte[] _pdf = [];
    private GeminiGenerateRequest _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        _pdf = BenchmarkPdf.Create(pages: 1, paddingBytes: 10 * 1024 * 1024);
        _request = new GeminiGenerateRequest(_pdf, "application/pdf", InvoicePrompt.SystemInstruction, InvoicePrompt.UserPrompt, InvoiceSchema.ResponseJsonSchema);
    }

    [Benchmark(Baseline = true, Description = "naive: base64 string + whole-body array")]
    public int Naive()
    {
        var body = GeminiClient.BuildRequest(_request, _options, new GeminiPart { InlineData = new GeminiInlineData { MimeType = "application/pdf", Data = Convert.ToBase64String(_pdf) } });
        return JsonSerializer.SerializeToUtf8Bytes(body, GeminiJsonContext.Default.GeminiGenerateContentRequest).Length;
    }

    [Benchmark(Description = "SDK: streamed content")]
    public async Task<long> Streamed()
    {
        var body = GeminiClient.BuildRequest(_request, _options, new GeminiPart { InlineData = new GeminiInlineData { MimeType = "application/pdf" } });
        using var content = GenerateContentHttpContent.Create(body, _pdf);
        await content.CopyToAsync(Stream.Null);
        return content.Headers.ContentLength ?? 0;
    }
}
