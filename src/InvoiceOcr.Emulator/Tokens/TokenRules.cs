using System.Text.Json;
using System.Text.Json.Nodes;
using InvoiceOcr.Sdk;

namespace InvoiceOcr.Emulator.Tokens;

/// <summary>
/// The emulator's token rules. They are the SDK's <see cref="GeminiTokenRules"/> (one source of truth: what the emulator
/// bills is what the SDK reserves), calibrated against the recorded exchanges in <c>shared/fixtures/gemini/</c>: text by
/// words and symbols, schemas by their keywords, 258 per PDF page, images by 258-token tiles.
/// </summary>
internal static class TokenRules
{
    public const int TokensPerTile = GeminiTokenRules.ImageTileTokens;
    public const int SmallImageMaxSide = GeminiTokenRules.SmallImageMaxSide;

    public static int Text(string? text) => checked((int)GeminiTokenRules.EstimateTextTokens(text));

    /// <summary>Tokens of a <c>responseSchema</c> or <c>responseJsonSchema</c>.</summary>
    public static int Schema(JsonNode schema) => checked((int)GeminiTokenRules.EstimateSchemaTokens(JsonSerializer.SerializeToElement(schema)));

    public static int PdfPages(int pages) => checked((int)GeminiTokenRules.EstimatePdfTokens(pages));

    public static int ImageTiles(int width, int height) => checked((int)(GeminiTokenRules.EstimateImageTokens(width, height) / TokensPerTile));

    public static int Image(int width, int height) => checked((int)GeminiTokenRules.EstimateImageTokens(width, height));

    /// <summary>Returns the longest prefix of <paramref name="text"/> that fits in <paramref name="tokens"/> output tokens.</summary>
    public static string TruncateToTokens(string text, int tokens) => text[..GeminiTokenRules.TextPrefixLength(text, tokens)];
}
