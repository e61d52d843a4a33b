using InvoiceOcr.Emulator.Tokens;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Emulator.Tests.Tokens;

public sealed class TokenRulesTests
{
    [Theory]
    [InlineData("", 0)]
    [InlineData("Why is the sky blue?", 6)] // Recorded: 6.
    [InlineData("What hate speech is prohibited by responsible AI?", 9)] // Recorded: 9.
    [InlineData("Rechnungsbetragsaufstellung", 3)] // 27 letters: one token per 12 characters.
    [InlineData("2026", 4)] // Digits one by one.
    [InlineData("€ 12,50", 6)]
    [InlineData("a\n\n  b", 3)] // A run of line breaks is one token, spaces are free.
    [InlineData("請求書", 3)] // One per CJK character.
    public void Text_CountsWordsAndSymbols(string text, int expected) => Assert.Equal(expected, TokenRules.Text(text));

    [Theory]
    [InlineData(384, 384, 1)]
    [InlineData(100, 20, 1)]
    [InlineData(960, 540, 6)] // The documented example: u = 360 → 3 × 2.
    [InlineData(2975, 3850, 4)] // u = 1983 → 2 × 2.
    [InlineData(463, 1013, 8)] // u = 308 → 2 × 4.
    [InlineData(385, 385, 4)] // u = 256 → 2 × 2.
    public void ImageTiles_FollowsDocumentedTilingRule(int width, int height, int tiles)
    {
        Assert.Equal(tiles, TokenRules.ImageTiles(width, height));
        Assert.Equal(tiles * 258, TokenRules.Image(width, height));
    }

    [Fact]
    public void TruncateToTokens_KeepsWholeCharactersWithinBudget()
    {
        var text = "ab € cd!";
        Assert.Equal("ab", TokenRules.TruncateToTokens(text, 1));
        Assert.Equal("ab €", TokenRules.TruncateToTokens(text, 2));
        Assert.Equal("ab € cd", TokenRules.TruncateToTokens(text, 3));
        Assert.Equal(text, TokenRules.TruncateToTokens(text, 10));
        Assert.Equal(string.Empty, TokenRules.TruncateToTokens(text, 0));
    }
}

public sealed class PdfPageCounterTests
{
    [Theory]
    [InlineData("invoice2data/QualityHosting.pdf", 2)]
    [InlineData("edge/merge-implicit-ranges.pdf", 51)]
    [InlineData("edge/poppler-67295-0.pdf", 1)] // Claims /Count 9999999999.
    [InlineData("edge/EmptyPdf.pdf", 1)]
    [InlineData("edge/empty.pdf", 0)]
    [InlineData("edge/r4_aes_empty_string.pdf", 1)]
    public void TryCount_CountsRealPages(string file, int pages) =>
        Assert.Equal(pages, PdfPageCounter.TryCount(SharedData.ReadInvoice(file)));

    [Theory]
    [InlineData("edge/corrupt-factur-x-waytoosmall.pdf")]
    [InlineData("edge/encrypted-password-is-password.pdf")]
    public void TryCount_UnreadablePdf_ReturnsNull(string file) =>
        Assert.Null(PdfPageCounter.TryCount(SharedData.ReadInvoice(file)));
}

public sealed class ImageDimensionsTests
{
    [Theory]
    [InlineData("invoice2data/AmazonWebServices.png", 2975, 3850)]
    [InlineData("invoice2data/FlipkartInvoice.png", -1, -1)]
    [InlineData("sroie/img/000.jpg", 463, 1013)]
    public void TryRead_ReadsHeaderSize(string file, int width, int height)
    {
        Assert.True(ImageDimensions.TryRead(SharedData.ReadInvoice(file), out var w, out var h));
        if (width > 0)
        {
            Assert.Equal((width, height), (w, h));
        }
        else
        {
            Assert.True(w > 0 && h > 0);
        }
    }

    [Fact]
    public void TryRead_WebpExtendedHeader()
    {
        var webp = new byte[30];
        "RIFF"u8.CopyTo(webp);
        "WEBPVP8X"u8.CopyTo(webp.AsSpan(8));
        // Canvas 1000 × 500 stored minus one, 24-bit little endian.
        webp[24] = (999 & 0xFF); webp[25] = 999 >> 8;
        webp[27] = (499 & 0xFF); webp[28] = 499 >> 8;

        Assert.True(ImageDimensions.TryRead(webp, out var w, out var h));
        Assert.Equal((1000, 500), (w, h));
    }

    [Fact]
    public void TryRead_NotAnImage_ReturnsFalse() => Assert.False(ImageDimensions.TryRead("%PDF-1.7 not an image"u8, out _, out _));
}
