using System.Text.Json;
using System.Text.RegularExpressions;

namespace InvoiceOcr.Sdk;

/// <summary>
/// Gemini's token accounting for media, text and response schemas, calibrated against recorded real exchanges: the
/// SDK uses it to estimate a call's prompt size before it is made (quota reservations) and the bundled emulator bills
/// with the very same rules. The service's <c>usageMetadata</c> is the billed truth; these are estimates (the emulator's
/// README lists the residual error per recorded exchange).
/// </summary>
public static partial class GeminiTokenRules
{
    /// <summary>The longest word counted as one token; longer words add a token per further 12 characters.</summary>
    private const int WordCharsPerToken = 12;

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

    /// <summary>
    /// Estimates the tokens of a text the way Gemini's tokenizer splits it, calibrated on recorded answers: a word is one
    /// token (one more per further 12 characters), every digit, punctuation mark or symbol is one, a run of line breaks
    /// is one, a CJK character is one, and spaces are free.
    /// </summary>
    /// <param name="text">The text; <see langword="null"/> or empty gives 0.</param>
    /// <returns>The estimated tokens, for example 6 for <c>Why is the sky blue?</c>.</returns>
    public static long EstimateTextTokens(string? text) => string.IsNullOrEmpty(text) ? 0 : Walk(text, long.MaxValue).Tokens;

    /// <summary>Returns the length of the longest prefix of a text that fits in a number of tokens, never cutting a token.</summary>
    /// <param name="text">The text.</param>
    /// <param name="maxTokens">The most tokens the prefix may have; must not be negative.</param>
    /// <returns>The prefix length in UTF-16 characters (the whole text when it fits).</returns>
    public static int TextPrefixLength(string text, long maxTokens)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfNegative(maxTokens);
        return Walk(text, maxTokens).Length;
    }

    /// <summary>
    /// Estimates the tokens of a response schema (<c>responseSchema</c> or <c>responseJsonSchema</c>) as the model sees it:
    /// two per object's property list, per property its name plus two, one per type, format, <c>nullable</c>, <c>$ref</c>
    /// and numeric bound (two), and titles, descriptions and enum values as text (enum values one more each);
    /// <c>required</c> and <c>propertyOrdering</c> repeat names and are free. JSON punctuation is not counted: the
    /// recorded 5-property schema costs 28 tokens, not the ~110 of its JSON text.
    /// </summary>
    /// <param name="schemaJson">The schema as JSON text.</param>
    /// <returns>The estimated tokens.</returns>
    /// <exception cref="JsonException"><paramref name="schemaJson"/> is not JSON.</exception>
    public static long EstimateSchemaTokens(string schemaJson)
    {
        ArgumentNullException.ThrowIfNull(schemaJson);
        using var document = JsonDocument.Parse(schemaJson);
        return EstimateSchemaTokens(document.RootElement);
    }

    /// <summary>Estimates the tokens of a response schema; see <see cref="EstimateSchemaTokens(string)"/>.</summary>
    /// <param name="schema">The schema.</param>
    /// <returns>The estimated tokens.</returns>
    public static long EstimateSchemaTokens(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object)
        {
            return schema.ValueKind == JsonValueKind.Array ? schema.EnumerateArray().Sum(EstimateSchemaTokens) : 0;
        }

        long tokens = 0;
        foreach (var keyword in schema.EnumerateObject())
        {
            var value = keyword.Value;
            tokens += keyword.Name switch
            {
                "type" => value.ValueKind == JsonValueKind.Array ? value.GetArrayLength() : 1,
                "format" or "$ref" => 1,
                "nullable" => value.ValueKind == JsonValueKind.True ? 1 : 0,
                "title" or "description" when value.ValueKind == JsonValueKind.String => EstimateTextTokens(value.GetString()),
                "enum" when value.ValueKind == JsonValueKind.Array => value.EnumerateArray().Sum(v => 1 + EstimateTextTokens(v.ValueKind == JsonValueKind.String ? v.GetString() : v.GetRawText())),
                "properties" or "$defs" or "definitions" when value.ValueKind == JsonValueKind.Object =>
                    2 + value.EnumerateObject().Sum(p => EstimateTextTokens(p.Name) + 2 + EstimateSchemaTokens(p.Value)),
                "items" or "additionalProperties" or "anyOf" or "oneOf" or "allOf" or "prefixItems" => EstimateSchemaTokens(value),
                "minimum" or "maximum" or "minItems" or "maxItems" or "minLength" or "maxLength" or "minProperties" or "maxProperties" => 2,
                _ => 0,
            };
        }

        return tokens;
    }

    private static (long Tokens, int Length) Walk(string text, long maxTokens)
    {
        long tokens = 0;
        var length = 0;
        foreach (var match in TokenPattern().EnumerateMatches(text))
        {
            var isWord = char.IsLetter(text[match.Index]) && !IsCjk(text[match.Index]);
            var cost = isWord ? (match.Length + WordCharsPerToken - 1) / WordCharsPerToken : 1;
            if (tokens + cost > maxTokens)
            {
                return (tokens, length);
            }

            tokens += cost;
            length = match.Index + match.Length;
        }

        return (tokens, text.Length);
    }

    private static long CeilDiv(long value, long divisor) => (value + divisor - 1) / divisor;

    private static bool IsCjk(char c) => c is (>= '\u3040' and <= '\u30ff') or (>= '\u3400' and <= '\u4dbf') or (>= '\u4e00' and <= '\u9fff') or (>= '\uac00' and <= '\ud7af') or (>= '\uf900' and <= '\ufaff');

    // One match per token: a CJK character, a word (a letter, then letters, digits, marks and apostrophes), one digit,
    // a run of line breaks, or any other single non-space character.
    [GeneratedRegex(@"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff]|(?![\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff])\p{L}(?:(?![\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff])[\p{L}\p{M}\p{Nd}_'’])*|\p{Nd}|[\r\n]+|\S", RegexOptions.CultureInvariant)]
    private static partial Regex TokenPattern();
}
