using System.Buffers;
using System.Text;
using Microsoft.Extensions.Caching.Hybrid;

namespace InvoiceOcr.Sdk.Caching.Internal;

/// <summary>Stores <see cref="CachedExtraction"/> as its UTF-8 JSON text, as is (the shape is the SDK's <see cref="StoredExtraction"/>).</summary>
internal sealed class CachedExtractionSerializer : IHybridCacheSerializer<CachedExtraction>
{
    public CachedExtraction Deserialize(ReadOnlySequence<byte> source) => new(Encoding.UTF8.GetString(source));

    public void Serialize(CachedExtraction value, IBufferWriter<byte> target) => Encoding.UTF8.GetBytes(value.Stored, target);
}
