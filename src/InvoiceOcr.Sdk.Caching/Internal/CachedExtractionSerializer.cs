using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Caching.Hybrid;

namespace InvoiceOcr.Sdk.Caching.Internal;

/// <summary>Serializes <see cref="CachedExtraction"/> with source-generated metadata (no reflection, trimming-safe).</summary>
internal sealed class CachedExtractionSerializer : IHybridCacheSerializer<CachedExtraction>
{
    public CachedExtraction Deserialize(ReadOnlySequence<byte> source)
    {
        var reader = new Utf8JsonReader(source);
        return JsonSerializer.Deserialize(ref reader, CachedExtractionJsonContext.Default.CachedExtraction)
            ?? throw new JsonException("The cached extraction is empty.");
    }

    public void Serialize(CachedExtraction value, IBufferWriter<byte> target)
    {
        using var writer = new Utf8JsonWriter(target);
        JsonSerializer.Serialize(writer, value, CachedExtractionJsonContext.Default.CachedExtraction);
    }
}
