using System.Text;

namespace InvoiceOcr.Emulator.Tokens;

/// <summary>
/// The emulator's documented token rules:
/// text = ceil(UTF-8 bytes / 4); a PDF page = 258; an image = 258 when both sides are at most 384 px, else 258 per tile
/// with crop unit <c>u = floor(min(w, h) / 1.5)</c> and <c>ceil(w / u) * ceil(h / u)</c> tiles.
/// </summary>
internal static class TokenRules
{
    public const int TokensPerTile = 258;
    public const int SmallImageMaxSide = 384;

    public static int Text(string? text) => text is null ? 0 : Text(Encoding.UTF8.GetByteCount(text));

    public static int Text(long utf8Bytes) => (int)((utf8Bytes + 3) / 4);

    public static int PdfPages(int pages) => checked(pages * TokensPerTile);

    public static int ImageTiles(int width, int height)
    {
        if (width <= SmallImageMaxSide && height <= SmallImageMaxSide)
        {
            return 1;
        }

        var unit = Math.Max(1, (int)Math.Floor(Math.Min(width, height) / 1.5));
        return (int)(Math.Ceiling(width / (double)unit) * Math.Ceiling(height / (double)unit));
    }

    public static int Image(int width, int height) => checked(ImageTiles(width, height) * TokensPerTile);

    /// <summary>Returns the longest prefix of <paramref name="text"/> that fits in <paramref name="tokens"/> output tokens.</summary>
    public static string TruncateToTokens(string text, int tokens)
    {
        var maxBytes = (long)tokens * 4;
        if (Encoding.UTF8.GetByteCount(text) <= maxBytes)
        {
            return text;
        }

        var builder = new StringBuilder();
        long bytes = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            bytes += rune.Utf8SequenceLength;
            if (bytes > maxBytes)
            {
                break;
            }

            builder.Append(rune.ToString());
        }

        return builder.ToString();
    }
}
