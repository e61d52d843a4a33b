using System.Text.Json;
using BenchmarkDotNet.Attributes;
using InvoiceOcr.Sdk.Benchmarks.Support;
using InvoiceOcr.Sdk.Gemini;

namespace InvoiceOcr.Sdk.Benchmarks.Micro;

/// <summary>
/// Reading an answer and its usage: the baseline only deserializes the wire DTO; <see cref="GeminiResponseReader.Read"/>
/// also keeps the raw usageMetadata JSON and maps every count (modalities, cache, thoughts) to <see cref="TokenUsage"/>.
/// </summary>
[MemoryDiagnoser]
public class UsageParsingBenchmarks
{
    private byte[] _body = [];

    [Params(nameof(ResponseShapes.Basic20), nameof(ResponseShapes.Thinking25), nameof(ResponseShapes.StructuredInvoice))]
    public string Shape { get; set; } = nameof(ResponseShapes.Basic20);

    [GlobalSetup]
    public void Setup() => _body = ResponseShapes.Get(Shape);

    [Benchmark(Baseline = true, Description = "deserialize DTO only")]
    public int DeserializeOnly() => JsonSerializer.Deserialize(_body, GeminiJsonContext.Default.GeminiGenerateContentResponse)?.UsageMetadata?.TotalTokenCount ?? 0;

    [Benchmark(Description = "GeminiResponseReader.Read")]
    public int Read() => GeminiResponseReader.Read(_body, "gemini-2.5-flash").Usage.TotalTokens;
}
