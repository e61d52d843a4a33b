using System.Text;
using System.Text.Json.Nodes;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Sdk.Tests.Gemini;

[CollectionDefinition(nameof(AllocationSensitiveCollection), DisableParallelization = true)]
public sealed class AllocationSensitiveCollection;

/// <summary>Process-wide allocation is measured, so this class runs alone (no parallel tests allocating meanwhile).</summary>
[Collection(nameof(AllocationSensitiveCollection))]
public sealed class GeminiClientAllocationTests
{
    [Fact]
    public async Task GenerateContentAsync_10MbInlinePdf_AllocatesLessThanTwiceTheFileSize()
    {
        const int size = 10 * 1024 * 1024;
        var document = new byte[size];
        new Random(42).NextBytes(document);
        var answer = Encoding.UTF8.GetBytes(SharedData.ReadGeminiFixture("gc-200_structured-json_responseSchema_gemini-2.0-flash.response.json"));
        var handler = new DrainingHandler(answer);
        var services = new ServiceCollection();
        services.AddInvoiceOcrGeminiClient();
        services.AddHttpClient(GeminiClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => handler);
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<GeminiClient>();
        var request = new GeminiGenerateRequest(document, "application/pdf", "si", "p", new JsonObject { ["type"] = "object" });
        await client.GenerateContentAsync(request, "test-key-alloc", TestContext.Current.CancellationToken); // warm up

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var result = await client.GenerateContentAsync(request, "test-key-alloc", TestContext.Current.CancellationToken);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal("MTyuaN2kKM6dz7IPx4Uy", result.ResponseId);
        Assert.Equal(handler.DeclaredLength, handler.BodyBytes);
        Assert.InRange(handler.BodyBytes, GenerateContentHttpContent.Base64Length(size), GenerateContentHttpContent.Base64Length(size) + 1024);
        // The target is at most 2x the file size; streaming the base64 keeps it independent of the size
        // (about 11 KB when measured), so a 1 MB bound catches any regression that materializes the body.
        Assert.True(allocated < 1024 * 1024, $"One call allocated {allocated:N0} bytes for a {size:N0}-byte document.");
    }

    /// <summary>Reads the request body the way a socket would (into a small buffer) and answers a fixture.</summary>
    private sealed class DrainingHandler(byte[] answer) : HttpMessageHandler
    {
        public long BodyBytes { get; private set; }

        public long? DeclaredLength { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var counter = new CountingStream();
            await request.Content!.CopyToAsync(counter, cancellationToken);
            BodyBytes = counter.Length;
            DeclaredLength = request.Content.Headers.ContentLength;
            return new HttpResponseMessage(System.Net.HttpStatusCode.OK) { Content = new ByteArrayContent(answer) };
        }
    }

    private sealed class CountingStream : Stream
    {
        private long _length;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => _length;

        public override long Position { get => _length; set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => _length += count;

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            _length += buffer.Length;
            return ValueTask.CompletedTask;
        }
    }
}
