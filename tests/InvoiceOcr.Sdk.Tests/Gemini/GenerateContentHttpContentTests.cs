using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InvoiceOcr.Sdk.Gemini;

namespace InvoiceOcr.Sdk.Tests.Gemini;

public sealed class GenerateContentHttpContentTests
{
    [Fact]
    public async Task SerializeToStreamAsync_12MbRandomDocument_EmitsValidJsonWithIdenticalBase64()
    {
        var document = RandomBytes(12 * 1024 * 1024 + 1, seed: 7); // +1: the last chunk needs padding
        using var content = GenerateContentHttpContent.Create(Request(), document);
        using var buffer = new MemoryStream();

        await content.CopyToAsync(buffer, TestContext.Current.CancellationToken);

        var bytes = buffer.ToArray();
        Assert.Equal(content.Headers.ContentLength, bytes.Length);
        using var json = JsonDocument.Parse(bytes);
        var data = json.RootElement.GetProperty("contents")[0].GetProperty("parts")[0].GetProperty("inlineData").GetProperty("data").GetString();
        Assert.Equal(Convert.ToBase64String(document), data);
        Assert.Equal("Extract.", json.RootElement.GetProperty("contents")[0].GetProperty("parts")[1].GetProperty("text").GetString());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(48 * 1024)] // exactly 64 KB of base64
    [InlineData(96 * 1024 - 1)]
    [InlineData(96 * 1024)] // 128 KB of base64: about one write buffer (rented, so 128 KB) with the JSON around it
    [InlineData(96 * 1024 + 1)]
    [InlineData(3 * 96 * 1024 + 2)]
    public void CopyTo_BufferBoundaries_MatchConvertToBase64String(int length)
    {
        var document = RandomBytes(length, seed: length);
        using var content = GenerateContentHttpContent.Create(Request(), document);
        using var buffer = new MemoryStream();

        content.CopyTo(buffer, null, TestContext.Current.CancellationToken);

        var text = Encoding.UTF8.GetString(buffer.ToArray());
        Assert.Contains("\"data\":\"" + Convert.ToBase64String(document) + "\"}", text, StringComparison.Ordinal);
        Assert.Equal(content.Headers.ContentLength, buffer.Length);
    }

    [Fact]
    public async Task SerializeToStreamAsync_OnePageDocument_IsOneWrite()
    {
        // Every write to a connection's stream may be a send of its own: a small body goes out whole.
        var document = RandomBytes(20 * 1024, seed: 11);
        using var content = GenerateContentHttpContent.Create(Request(), document);
        using var stream = new WriteCountingStream();

        await content.CopyToAsync(stream, TestContext.Current.CancellationToken);

        Assert.Equal(1, stream.Writes);
        Assert.Equal(content.Headers.ContentLength, stream.Length);
        Assert.Contains("\"data\":\"" + Convert.ToBase64String(document) + "\"}", Encoding.UTF8.GetString(stream.ToArray()), StringComparison.Ordinal);
    }

    [Fact]
    public void CopyTo_12MbDocument_AllocatesFarLessThanTheDocument()
    {
        var document = RandomBytes(12 * 1024 * 1024, seed: 3);
        using var content = GenerateContentHttpContent.Create(Request(), document);
        content.CopyTo(Stream.Null, null, TestContext.Current.CancellationToken); // warm up (pool, JIT)

        var before = GC.GetAllocatedBytesForCurrentThread();
        content.CopyTo(Stream.Null, null, TestContext.Current.CancellationToken);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The base64 text is 16 MB; encoding through a pooled chunk must not materialize it.
        Assert.True(allocated < 256 * 1024, $"Serializing allocated {allocated} bytes.");
    }

    [Fact]
    public void Headers_ContentType_IsJsonUtf8()
    {
        using var content = GenerateContentHttpContent.Create(Request(), new byte[] { 1, 2, 3 });

        Assert.Equal("application/json", content.Headers.ContentType!.MediaType);
        Assert.Equal("utf-8", content.Headers.ContentType.CharSet);
    }

    [Fact]
    public void Create_PromptContainingJsonSpecials_IsEscapedAndStillValid()
    {
        var request = Request();
        request.Contents[0].Parts![1].Text = "Quote \" backslash \\ newline \n and data\":\"";
        using var content = GenerateContentHttpContent.Create(request, new byte[] { 0xFF, 0xFE });
        using var buffer = new MemoryStream();

        content.CopyTo(buffer, null, TestContext.Current.CancellationToken);

        var node = JsonNode.Parse(buffer.ToArray())!;
        Assert.Equal("//4=", (string?)node["contents"]![0]!["parts"]![0]!["inlineData"]!["data"]);
        Assert.Equal("Quote \" backslash \\ newline \n and data\":\"", (string?)node["contents"]![0]!["parts"]![1]!["text"]);
    }

    [Fact]
    public void Create_RequestWithoutInlineData_Throws()
    {
        var request = Request();
        request.Contents[0].Parts!.RemoveAt(0);

        Assert.Throws<ArgumentException>(() => GenerateContentHttpContent.Create(request, new byte[] { 1 }));
    }

    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 4)]
    [InlineData(3, 4)]
    [InlineData(4, 8)]
    [InlineData(12 * 1024 * 1024, 16 * 1024 * 1024)]
    public void Base64Length_ByteCount_IsPaddedLength(long bytes, long expected)
    {
        Assert.Equal(expected, GenerateContentHttpContent.Base64Length(bytes));
    }

    private static GeminiGenerateContentRequest Request() => new()
    {
        Contents =
        [
            new GeminiContent
            {
                Role = "user",
                Parts = [new GeminiPart { InlineData = new GeminiInlineData { MimeType = "application/pdf" } }, new GeminiPart { Text = "Extract." }],
            },
        ],
    };

    private sealed class WriteCountingStream : MemoryStream
    {
        public int Writes { get; private set; }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Writes++;
            return base.WriteAsync(buffer, cancellationToken);
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Writes++;
            return base.WriteAsync(buffer, offset, count, cancellationToken);
        }
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
