using System.Text;

namespace InvoiceOcr.Sdk;

/// <summary>
/// Gemini's documented token accounting for media and text, used to estimate a call's prompt size before
/// it is made (quota reservations). The service's <c>usageMetadata</c> is the billed truth; these are estimates.
/// </summary>
public static class GeminiTokenRules
{
    /// <summary>Tokens per PDF page (Gemini 2.x reports them as DOCUMENT, Gemini 3 as IMAGE).</summary>
    public const int PdfPageTokens = 258;

    /// <summary>Tokens of an image whose sides are both at most <see cref="SmallImageMaxSide"/> pixels, and of each tile of a larger one.</summary>
    public const int ImageTileTokens = 258;

    /// <summary>The largest side, in pixels, of an image billed as a single tile.</summary>
    public const int SmallImageMaxSide = 384;

    /// <summary>Estimates the prompt tokens of a PDF.</summary>
    /// <param name="pageCount">The number of pages; must not be negative.</param>
    /// <returns><paramref name="pageCount"/> × <see cref="PdfPageTokens"/>.</returns>
    public static long EstimatePdfTokens(int pageCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(pageCount);
        return (long)pageCount * PdfPageTokens;
    }

    /// <summary>
    /// Estimates the prompt tokens of an image: 258 when both sides are at most 384 px; otherwise 258 per tile,
    /// where the crop unit is <c>u = floor(min(w, h) / 1.5)</c> and the tiles are <c>ceil(w / u) × ceil(h / u)</c>.
    /// </summary>
    /// <param name="width">The width in pixels; must be positive.</param>
    /// <param name="height">The height in pixels; must be positive.</param>
    /// <returns>The estimated tokens, for example 1548 for 960 × 540.</returns>
    public static long EstimateImageTokens(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if (width <= SmallImageMaxSide && height <= SmallImageMaxSide)
        {
            return ImageTileTokens;
        }

        // A sliver (min side of 1 px) would give a zero crop unit; one pixel is the smallest meaningful unit.
        var unit = Math.Max(1L, (long)Math.Floor(Math.Min(width, height) / 1.5));
        var tiles = CeilDiv(width, unit) * CeilDiv(height, unit);
        return tiles * ImageTileTokens;
    }

    /// <summary>Estimates the tokens of a text: one token per four UTF-8 bytes, rounded up.</summary>
    /// <param name="text">The text; <see langword="null"/> or empty gives 0.</param>
    /// <returns><c>ceil(utf8Bytes / 4)</c>.</returns>
    public static long EstimateTextTokens(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return 0;
        }

        return CeilDiv(Encoding.UTF8.GetByteCount(text), 4);
    }

    private static long CeilDiv(long value, long divisor) => (value + divisor - 1) / divisor;
}
