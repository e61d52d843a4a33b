using System.Text.Json;
using System.Text.Json.Nodes;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Sdk.Tests.Gemini;

public sealed class GeminiTokenRulesTests
{
    [Theory]
    [InlineData(960, 540, 1548)] // the documented example: u = 360, 3 x 2 tiles
    [InlineData(384, 384, 258)]
    [InlineData(1, 1, 258)]
    [InlineData(384, 100, 258)]
    [InlineData(1920, 1080, 258 * 6)] // u = 720: 3 x 2 tiles
    [InlineData(2480, 3508, 258 * 6)] // A4 at 300 dpi: u = 1653, 2 x 3 tiles
    public void EstimateImageTokens_Dimensions_FollowsTileRule(int width, int height, long expected)
    {
        Assert.Equal(expected, GeminiTokenRules.EstimateImageTokens(width, height));
    }

    [Fact]
    public void EstimateImageTokens_LargeSquare_FourTiles()
    {
        // u = floor(1024 / 1.5) = 682, ceil(1024 / 682) = 2 per side.
        Assert.Equal(4 * 258, GeminiTokenRules.EstimateImageTokens(1024, 1024));
        Assert.Equal(4 * 258, GeminiTokenRules.EstimateImageTokens(385, 384));
    }

    [Fact]
    public void EstimateImageTokens_OnePixelSliver_DoesNotDivideByZero()
    {
        Assert.Equal(1000L * 258, GeminiTokenRules.EstimateImageTokens(1000, 1));
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(10, -1)]
    public void EstimateImageTokens_NonPositiveSide_Throws(int width, int height)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GeminiTokenRules.EstimateImageTokens(width, height));
    }

    [Theory]
    [InlineData(null, 0)]
    [InlineData("", 0)]
    [InlineData("Why is the sky blue?", 6)] // Recorded: 6.
    [InlineData("I say high you say low.", 7)]
    [InlineData("Rechnungsbetragsaufstellung", 3)] // One token per 12 letters of a long word.
    [InlineData("Total: 1.234,50 €", 11)] // Word, then every digit and symbol.
    [InlineData("請求書", 3)]
    public void EstimateTextTokens_Text_CountsWordsDigitsAndSymbols(string? text, long expected)
    {
        Assert.Equal(expected, GeminiTokenRules.EstimateTextTokens(text));
    }

    [Fact]
    public void EstimateSchemaTokens_Keywords_CountedNotPunctuation()
    {
        // properties 2 + name "a" 1 + 2 + type 1 + description "An amount" 2 = 8, root type 1, required free.
        const string Schema = """{"type":"object","properties":{"a":{"type":"number","description":"An amount"}},"required":["a"]}""";

        Assert.Equal(9, GeminiTokenRules.EstimateSchemaTokens(Schema));
        Assert.Equal(2 + 1 + 2 + 2 + 1 + 1 + 1, GeminiTokenRules.EstimateSchemaTokens("""{"properties":{"c":{"type":["string","null"],"enum":["EUR"]}},"type":"object"}"""));
    }

    [Fact]
    public void TextPrefixLength_CutsAtTokenBoundaries()
    {
        Assert.Equal(3, GeminiTokenRules.TextPrefixLength("Why is the sky blue?", 1));
        Assert.Equal(20, GeminiTokenRules.TextPrefixLength("Why is the sky blue?", 6));
        Assert.Equal(19, GeminiTokenRules.TextPrefixLength("Why is the sky blue?", 5));
    }

    [Fact]
    public void EstimatePdfTokens_NegativePages_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GeminiTokenRules.EstimatePdfTokens(-1));
    }

    [Fact]
    public void PdfPageTokens_RecordedPdfUsage_TenPagesGiveDocument2580()
    {
        var usage = JsonSerializer.Deserialize(
            SharedData.ReadGeminiFixture("usage-only_pdf-inline_DOCUMENT2580_gemini-2.5-pro.usageMetadata.json"),
            GeminiJsonContext.Default.GeminiUsageMetadata)!;
        var document = usage.PromptTokensDetails!.Single(d => d.Modality == "DOCUMENT").TokenCount;

        Assert.Equal(2580, document);
        Assert.Equal(GeminiTokenRules.EstimatePdfTokens(10), document);
        Assert.Equal(258, GeminiTokenRules.PdfPageTokens);
    }

    [Fact]
    public void ImageTileTokens_RecordedImageUsage_Is258()
    {
        var response = JsonNode.Parse(SharedData.ReadGeminiFixture("gc-200_image-fileData_gemini-2.5-flash_IMAGE258_implicit-cache_thoughts.response.json"))!;
        var image = response["usageMetadata"]!["promptTokensDetails"]!.AsArray().Single(d => (string?)d!["modality"] == "IMAGE")!;

        Assert.Equal(GeminiTokenRules.ImageTileTokens, (int)image["tokenCount"]!);
    }

    [Fact]
    public void ImageTileTokens_RecordedCountTokens_IsSevenTiles()
    {
        var count = JsonSerializer.Deserialize(
            SharedData.ReadGeminiFixture("countTokens-200_IMAGE1806_vertex-shape.response.json"),
            GeminiJsonContext.Default.GeminiCountTokensResponse)!;

        Assert.Equal(1837, count.TotalTokens);
        Assert.Equal(1806, count.PromptTokensDetails!.Single(d => d.Modality == "IMAGE").TokenCount);
        Assert.Equal(31, count.PromptTokensDetails!.Single(d => d.Modality == "TEXT").TokenCount);
        Assert.Equal(7 * GeminiTokenRules.ImageTileTokens, 1806);
    }
}
