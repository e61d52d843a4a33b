using CsCheck;
using InvoiceOcr.Sdk.Documents;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Sdk.Tests.Documents;

public sealed class ImageSizeReaderTests
{
    [Theory]
    [InlineData(1u, 1u)]
    [InlineData(2975u, 3850u)]
    [InlineData(int.MaxValue, 7u)]
    public void TryRead_Png_ReadsIhdrSize(uint width, uint height)
    {
        AssertSize(DocumentKind.Png, CraftedImages.Png(width, height), (int)width, (int)height);
    }

    [Theory]
    [InlineData(0u, 10u)]
    [InlineData(10u, 0u)]
    [InlineData(0x80000000u, 10u)]
    public void TryRead_PngWithInvalidSize_FailsNamingTheSize(uint width, uint height)
    {
        var fault = AssertFault(DocumentKind.Png, CraftedImages.Png(width, height));
        Assert.Contains($"{width}x{height}", fault, StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_PngWhoseFirstChunkIsNotIhdr_Fails()
    {
        var png = CraftedImages.Png(10, 10);
        "IDAT"u8.CopyTo(png.AsSpan(12));

        Assert.Contains("IHDR", AssertFault(DocumentKind.Png, png), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0xC0)] // baseline
    [InlineData(0xC1)] // extended sequential
    [InlineData(0xC2)] // progressive
    [InlineData(0xC3)] // lossless
    [InlineData(0xC9)] // arithmetic
    [InlineData(0xCF)]
    public void TryRead_JpegWithAnyFrameHeader_ReadsSize(byte sofMarker)
    {
        AssertSize(DocumentKind.Jpeg, CraftedImages.Jpeg(463, 1013, sofMarker), 463, 1013);
    }

    [Fact]
    public void TryRead_JpegWithFillBytesBeforeMarker_ReadsSize()
    {
        AssertSize(DocumentKind.Jpeg, CraftedImages.Jpeg(640, 480, fillBytes: true), 640, 480);
    }

    [Fact]
    public void TryRead_JpegWithoutFrameHeader_Fails()
    {
        Assert.Contains("SOFn", AssertFault(DocumentKind.Jpeg, CraftedImages.JpegWithoutSof()), StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_JpegWithZeroHeight_Fails()
    {
        Assert.Contains("640x0", AssertFault(DocumentKind.Jpeg, CraftedImages.Jpeg(640, 0)), StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_JpegWithGarbageWhereAMarkerBelongs_Fails()
    {
        byte[] jpeg = [0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x04, 0x00, 0x00, 0x41, 0x42];

        Assert.Contains("no marker at offset 8", AssertFault(DocumentKind.Jpeg, jpeg), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1080, 1528)]
    [InlineData(16383, 16383)]
    public void TryRead_WebpLossy_ReadsVp8FrameSize(ushort width, ushort height)
    {
        AssertSize(DocumentKind.Webp, CraftedImages.WebpLossy(width, height), width, height);
    }

    [Theory]
    [InlineData(1u, 1u)]
    [InlineData(789u, 557u)]
    [InlineData(16384u, 16384u)]
    public void TryRead_WebpLossless_ReadsVp8lSize(uint width, uint height)
    {
        AssertSize(DocumentKind.Webp, CraftedImages.WebpLossless(width, height), (int)width, (int)height);
    }

    [Theory]
    [InlineData(1u, 1u)]
    [InlineData(2892u, 4093u)]
    [InlineData(16777216u, 3u)]
    public void TryRead_WebpExtended_ReadsCanvasSize(uint width, uint height)
    {
        AssertSize(DocumentKind.Webp, CraftedImages.WebpExtended(width, height), (int)width, (int)height);
    }

    [Fact]
    public void TryRead_WebpLossyWithoutStartCode_Fails()
    {
        var webp = CraftedImages.WebpLossy(10, 10);
        webp[23] = 0x00;

        Assert.Contains("start code", AssertFault(DocumentKind.Webp, webp), StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_WebpWithUnknownFirstChunk_Fails()
    {
        var webp = CraftedImages.WebpLossy(10, 10);
        "ALPH"u8.CopyTo(webp.AsSpan(12));

        Assert.Contains("VP8, VP8L or VP8X", AssertFault(DocumentKind.Webp, webp), StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_HeifWithPrimaryItem_ReadsThePrimaryItemsIspeNotTheFirst()
    {
        // Like a grid image: item 1 is a 512x512 tile, item 2 (primary) is the 4032x3024 picture.
        var heic = CraftedImages.Heif("heic", ["mif1", "heic"], [(512, 512), (4032, 3024)], primaryItem: 2);

        AssertSize(DocumentKind.Heic, heic, 4032, 3024);
    }

    [Fact]
    public void TryRead_HeifWithoutPrimaryItem_ReadsTheFirstIspe()
    {
        var heif = CraftedImages.Heif("mif1", ["mif1"], [(800, 600), (10, 10)], primaryItem: 0);

        AssertSize(DocumentKind.Heif, heif, 800, 600);
    }

    [Fact]
    public void TryRead_HeifWithoutMeta_Fails()
    {
        var heif = CraftedImages.Box("ftyp", [.. "heic"u8, 0, 0, 0, 0, .. "mif1"u8]);

        Assert.Contains("meta", AssertFault(DocumentKind.Heic, heif), StringComparison.Ordinal);
    }

    [Fact]
    public void TryRead_HeifWithoutIspe_Fails()
    {
        var heif = CraftedImages.Heif("heic", ["mif1"], [], primaryItem: 1);

        Assert.Contains("ispe", AssertFault(DocumentKind.Heic, heif), StringComparison.Ordinal);
    }

    public static TheoryData<string, int> Truncations => new()
    {
        { "png", 24 },           // signature 8 + IHDR length, type, width, height
        { "jpeg", 50 },          // SOI 2 + APP0 18 + COM 21 + SOF0 marker, length, precision, height, width 9
        { "webp-vp8", 30 },      // RIFF header 12 + chunk header 8 + frame tag, start code, sizes 10
        { "webp-vp8l", 25 },     // RIFF header 12 + chunk header 8 + signature and 4 bytes of sizes
        { "webp-vp8x", 30 },     // RIFF header 12 + chunk header 8 + flags 4 + two 24-bit sizes
        { "heic", -12 },         // everything up to the end of meta; the trailing 12-byte mdat is not needed
    };

    [Theory]
    [MemberData(nameof(Truncations))]
    public void TryRead_EveryTruncation_ReadsExactlyWhenTheSizeFieldsArePresent(string format, int headerLength)
    {
        var (kind, image) = format switch
        {
            "png" => (DocumentKind.Png, CraftedImages.Png(100, 200)),
            "jpeg" => (DocumentKind.Jpeg, CraftedImages.Jpeg(100, 200)),
            "webp-vp8" => (DocumentKind.Webp, CraftedImages.WebpLossy(100, 200)),
            "webp-vp8l" => (DocumentKind.Webp, CraftedImages.WebpLossless(100, 200)),
            "webp-vp8x" => (DocumentKind.Webp, CraftedImages.WebpExtended(100, 200)),
            _ => (DocumentKind.Heic, CraftedImages.Heif("heic", ["mif1"], [(100, 200)], primaryItem: 1)),
        };
        var needed = headerLength > 0 ? headerLength : image.Length + headerLength;

        for (var length = 0; length <= image.Length; length++)
        {
            var ok = ImageSizeReader.TryRead(kind, image.AsSpan(0, length), out var width, out var height, out var fault);
            Assert.True(ok == (length >= needed), $"{format} cut at {length}: {fault}");
            Assert.Equal(ok ? (100, 200) : (0, 0), (width, height));
        }
    }

    [Fact]
    public void TryRead_CorpusImagesCutInsideTheirHeader_FailCleanly()
    {
        // 000.jpg carries a JFIF header and a scanner comment before its SOF0; cutting anywhere before the size must fail cleanly.
        var jpeg = SharedData.ReadInvoice("sroie/img/000.jpg");
        Assert.True(ImageSizeReader.TryRead(DocumentKind.Jpeg, jpeg, out var width, out var height, out _));
        Assert.Equal((463, 1013), (width, height));
        var png = SharedData.ReadInvoice("invoice2data/FlipkartInvoice.png");

        for (var length = 0; length < 24; length++)
        {
            Assert.False(ImageSizeReader.TryRead(DocumentKind.Png, png.AsSpan(0, length), out _, out _, out _));
        }

        Assert.False(ImageSizeReader.TryRead(DocumentKind.Jpeg, jpeg.AsSpan(0, 20), out _, out _, out _));
    }

    [Fact]
    public void TryRead_RandomBytesBehindEachSignature_NeverThrows()
    {
        byte[][] prefixes =
        [
            [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A],
            [0xFF, 0xD8, 0xFF],
            [.. "RIFF"u8, 0, 0, 0, 0, .. "WEBPVP8 "u8],
            [.. "RIFF"u8, 0, 0, 0, 0, .. "WEBPVP8L"u8],
            [.. "RIFF"u8, 0, 0, 0, 0, .. "WEBPVP8X"u8],
            [0, 0, 0, 16, .. "ftypheic"u8, 0, 0, 0, 0],
            [],
        ];
        DocumentKind[] kinds = [DocumentKind.Png, DocumentKind.Jpeg, DocumentKind.Webp, DocumentKind.Webp, DocumentKind.Webp, DocumentKind.Heic, DocumentKind.Heif];

        Gen.Select(Gen.Int[0, prefixes.Length - 1], Gen.Byte.Array[0, 300]).Sample(
            (index, tail) =>
            {
                byte[] bytes = [.. prefixes[index], .. tail];
                var ok = ImageSizeReader.TryRead(kinds[index], bytes, out var width, out var height, out var fault);
                Assert.True(ok ? width > 0 && height > 0 : fault.Length > 0);
            },
            iter: 20_000);
    }

    [Fact]
    public void TryRead_RandomBoxesBehindAnHeifHeader_NeverThrows()
    {
        // Well-formed box framing with random types and bodies drives the reader deep into meta/iprp/ipco/ipma.
        string[] types = ["meta", "iprp", "ipco", "ipma", "pitm", "ispe", "hdlr", "mdat"];
        var box = Gen.Select(Gen.Int[0, types.Length - 1], Gen.Byte.Array[0, 40]).Select((t, body) => CraftedImages.Box(types[t], body));
        var nested = box.Array[1, 4].Select(children => CraftedImages.Box("meta", [0, 0, 0, 0, .. children.SelectMany(c => c)]));
        var ftyp = CraftedImages.Box("ftyp", [.. "heic"u8, 0, 0, 0, 0]);

        nested.Sample(
            meta =>
            {
                byte[] bytes = [.. ftyp, .. meta];
                _ = ImageSizeReader.TryRead(DocumentKind.Heic, bytes, out _, out _, out _);
            },
            iter: 20_000);
    }

    private static void AssertSize(DocumentKind kind, byte[] bytes, int width, int height)
    {
        Assert.True(ImageSizeReader.TryRead(kind, bytes, out var actualWidth, out var actualHeight, out var fault), fault);
        Assert.Equal((width, height), (actualWidth, actualHeight));
    }

    private static string AssertFault(DocumentKind kind, byte[] bytes)
    {
        Assert.False(ImageSizeReader.TryRead(kind, bytes, out var width, out var height, out var fault));
        Assert.Equal((0, 0), (width, height));
        Assert.False(string.IsNullOrWhiteSpace(fault));
        return fault;
    }
}
