namespace InvoiceOcr.Sdk.Caching.Internal;

/// <summary>
/// What the cache stores for one extraction: the SDK's own stored form of the result (<see cref="StoredExtraction"/>, the
/// outcome idempotent replays restore), kept as the JSON text it is. Findings are not stored: they are recomputed on a
/// hit, under the current validation options.
/// </summary>
/// <param name="Stored">What <see cref="StoredExtraction.Serialize"/> returned.</param>
internal sealed record CachedExtraction(string Stored);
