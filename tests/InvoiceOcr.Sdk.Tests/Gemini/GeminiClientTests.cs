using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.Tests.Gemini;

public sealed class GeminiClientTests
{
    private const string ApiKey = "test-key-gemini-client-0001";
    private const string StructuredAnswer = "gc-200_structured-json_responseSchema_gemini-2.0-flash.response.json";
    private static readonly byte[] SmallPdf = Encoding.ASCII.GetBytes("%PDF-1.4\n%fake\n");

    [Fact]
    public async Task GenerateContentAsync_SmallPdf_SendsExactInlineJsonWithKeyOnlyInHeader()
    {
        var handler = new RecordingHandler((_, _) => RecordingHandler.Json(SharedData.ReadGeminiFixture(StructuredAnswer)));
        using var harness = new Harness(handler);

        var result = await harness.Client.GenerateContentAsync(Request(SmallPdf), ApiKey, TestContext.Current.CancellationToken);

        var sent = Assert.Single(handler.Requests);
        Assert.Equal(HttpMethod.Post, sent.Method);
        Assert.Equal("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent", sent.Uri.AbsoluteUri);
        Assert.Equal(ApiKey, sent.Headers["x-goog-api-key"]);
        Assert.Equal("application/json; charset=utf-8", sent.Headers["Content-Type"]);
        Assert.Equal(sent.Body.Length, sent.ContentLength);
        Assert.Equal(
            "{\"systemInstruction\":{\"parts\":[{\"text\":\"You extract invoices. v1\"}]},"
            + "\"contents\":[{\"role\":\"user\",\"parts\":[{\"inlineData\":{\"mimeType\":\"application/pdf\",\"data\":\"" + Convert.ToBase64String(SmallPdf) + "\"}},"
            + "{\"text\":\"Extract the invoice.\"}]}],"
            + "\"generationConfig\":{\"temperature\":0,\"maxOutputTokens\":8192,\"responseMimeType\":\"application/json\","
            + "\"responseJsonSchema\":{\"type\":\"object\",\"properties\":{\"invoiceNumber\":{\"type\":\"string\"}},\"required\":[\"invoiceNumber\"]},\"thinkingConfig\":{\"thinkingBudget\":0}}}",
            sent.BodyText);
        Assert.DoesNotContain("_", sent.BodyText.Replace(Convert.ToBase64String(SmallPdf), string.Empty, StringComparison.Ordinal), StringComparison.Ordinal); // no snake_case names
        Assert.DoesNotContain(ApiKey, sent.Uri.OriginalString, StringComparison.Ordinal);
        Assert.DoesNotContain(ApiKey, sent.BodyText, StringComparison.Ordinal);

        Assert.True(result.IsCompleted);
        Assert.Equal("MTyuaN2kKM6dz7IPx4Uy", result.ResponseId);
        Assert.Equal("gemini-2.0-flash", result.ModelVersion);
        Assert.Equal("gemini-2.5-flash", result.Model);
        Assert.Equal(85, result.Usage.TotalTokens);
        harness.AssertLogsNeverContain(ApiKey);
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "GeminiRequest" && r.Message.Contains("inlineData", StringComparison.Ordinal));
    }

    [Fact]
    public async Task GenerateContentAsync_AnswerOfUnannouncedLengthLargerThanTheFirstBuffer_IsReadWhole()
    {
        // No Content-Length and small reads, as a chunked answer arrives: the pooled read buffer has to grow (16 KB, 32, 64).
        var text = string.Concat(Enumerable.Repeat("0123456789", 5_000));
        var answer = Encoding.UTF8.GetBytes(
            "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"" + text + "\"}],\"role\":\"model\"},\"finishReason\":\"STOP\"}],"
            + "\"usageMetadata\":{\"promptTokenCount\":7,\"candidatesTokenCount\":11,\"totalTokenCount\":18},\"modelVersion\":\"gemini-2.5-flash\",\"responseId\":\"long-1\"}");
        var handler = new RecordingHandler((_, _) => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StreamContent(new TrickleStream(answer, 1_000)) });
        using var harness = new Harness(handler);

        var result = await harness.Client.GenerateContentAsync(Request(SmallPdf), ApiKey, TestContext.Current.CancellationToken);

        Assert.Equal(text, result.Text);
        Assert.Equal((7, 11, 18), (result.Usage.InputTokens, result.Usage.OutputTokens, result.Usage.TotalTokens));
        Assert.Equal("long-1", result.ResponseId);
    }

    [Theory]
    [InlineData("gemini-2.5-flash", null, "\"thinkingConfig\":{\"thinkingBudget\":0}")]
    [InlineData("gemini-2.5-flash-lite", null, "\"thinkingConfig\":{\"thinkingBudget\":0}")]
    [InlineData("gemini-2.5-flash", -1, "\"thinkingConfig\":{\"thinkingBudget\":-1}")]
    [InlineData("gemini-2.5-pro", 128, "\"thinkingConfig\":{\"thinkingBudget\":128}")]
    [InlineData("gemini-2.5-pro", null, null)]
    public async Task GenerateContentAsync_ThinkingBudget_OffForFlashUnlessConfigured(string model, int? configured, string? expected)
    {
        var handler = new RecordingHandler((_, _) => RecordingHandler.Json(SharedData.ReadGeminiFixture(StructuredAnswer)));
        using var harness = new Harness(handler, o => o.ThinkingBudget = configured);

        await harness.Client.GenerateContentAsync(Request(SmallPdf, model), ApiKey, TestContext.Current.CancellationToken);

        var body = Assert.Single(handler.Requests).BodyText;
        if (expected is null)
        {
            Assert.DoesNotContain("thinkingConfig", body, StringComparison.Ordinal);
        }
        else
        {
            Assert.Contains(expected, body, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task GenerateContentAsync_BaseAddressWithPathAndModelOverride_BuildsUrlUnderPath()
    {
        var handler = new RecordingHandler((_, _) => RecordingHandler.Json(SharedData.ReadGeminiFixture(StructuredAnswer)));
        using var harness = new Harness(handler, o =>
        {
            o.BaseAddress = new Uri("http://localhost:5099/gemini");
            o.ApiVersion = "v1";
            o.MaxOutputTokens = 1000;
            o.Temperature = 0.25;
        });

        await harness.Client.GenerateContentAsync(Request(SmallPdf, model: "gemini-3.5-flash"), ApiKey, TestContext.Current.CancellationToken);

        var sent = Assert.Single(handler.Requests);
        Assert.Equal("http://localhost:5099/gemini/v1/models/gemini-3.5-flash:generateContent", sent.Uri.AbsoluteUri);
        var config = JsonNode.Parse(sent.Body)!["generationConfig"]!;
        Assert.Equal(1000, (int)config["maxOutputTokens"]!);
        Assert.Equal(0.25, (double)config["temperature"]!);
    }

    [Fact]
    public async Task GenerateContentAsync_DocumentAboveInlineLimit_UploadsThroughFilesApiThenSendsFileData()
    {
        var document = Encoding.ASCII.GetBytes("%PDF-1.7\n" + new string('x', 100));
        var handler = new RecordingHandler((request, index) => index switch
        {
            0 => UploadStarted("https://generativelanguage.googleapis.com/upload/v1beta/files?upload_id=up-1&upload_protocol=resumable"),
            1 => RecordingHandler.Json("""{"file":{"name":"files/abc123","displayName":"invoice.pdf","mimeType":"application/pdf","sizeBytes":"109","state":"PROCESSING","uri":"https://generativelanguage.googleapis.com/v1beta/files/abc123"}}"""),
            2 => RecordingHandler.Json("""{"name":"files/abc123","mimeType":"application/pdf","sizeBytes":"109","state":"ACTIVE","uri":"https://generativelanguage.googleapis.com/v1beta/files/abc123"}"""),
            3 => RecordingHandler.Json(SharedData.ReadGeminiFixture(StructuredAnswer)),
            _ => RecordingHandler.Json("{}"),
        });
        using var harness = new Harness(handler, o => o.InlineDataLimitBytes = 64);

        var result = await harness.RunWithClockAsync(harness.Client.GenerateContentAsync(Request(document, displayName: "invoice.pdf"), ApiKey, TestContext.Current.CancellationToken));

        Assert.Equal("MTyuaN2kKM6dz7IPx4Uy", result.ResponseId);
        Assert.Equal(5, handler.Requests.Count);
        var (start, upload, poll, generate, delete) = (handler.Requests[0], handler.Requests[1], handler.Requests[2], handler.Requests[3], handler.Requests[4]);

        Assert.Equal("https://generativelanguage.googleapis.com/upload/v1beta/files", start.Uri.AbsoluteUri);
        Assert.Equal(HttpMethod.Post, start.Method);
        Assert.Equal("resumable", start.Headers["X-Goog-Upload-Protocol"]);
        Assert.Equal("start", start.Headers["X-Goog-Upload-Command"]);
        Assert.Equal("109", start.Headers["X-Goog-Upload-Header-Content-Length"]);
        Assert.Equal("application/pdf", start.Headers["X-Goog-Upload-Header-Content-Type"]);
        Assert.Equal("""{"file":{"displayName":"invoice.pdf"}}""", start.BodyText);

        Assert.Equal("https://generativelanguage.googleapis.com/upload/v1beta/files?upload_id=up-1&upload_protocol=resumable", upload.Uri.AbsoluteUri);
        Assert.Equal("upload, finalize", upload.Headers["X-Goog-Upload-Command"]);
        Assert.Equal("0", upload.Headers["X-Goog-Upload-Offset"]);
        Assert.Equal(109, upload.ContentLength);
        Assert.Equal(document, upload.Body);

        Assert.Equal(HttpMethod.Get, poll.Method);
        Assert.Equal("https://generativelanguage.googleapis.com/v1beta/files/abc123", poll.Uri.AbsoluteUri);

        Assert.Equal("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent", generate.Uri.AbsoluteUri);
        var part = JsonNode.Parse(generate.Body)!["contents"]![0]!["parts"]![0]!;
        Assert.Equal("""{"fileData":{"mimeType":"application/pdf","fileUri":"https://generativelanguage.googleapis.com/v1beta/files/abc123"}}""", part.ToJsonString());
        Assert.DoesNotContain("inlineData", generate.BodyText, StringComparison.Ordinal);

        Assert.Equal(HttpMethod.Delete, delete.Method);
        Assert.Equal("https://generativelanguage.googleapis.com/v1beta/files/abc123", delete.Uri.AbsoluteUri);

        Assert.All(handler.Requests, r =>
        {
            Assert.Equal(ApiKey, r.Headers["x-goog-api-key"]);
            Assert.DoesNotContain(ApiKey, r.Uri.OriginalString, StringComparison.Ordinal);
        });
        harness.AssertLogsNeverContain(ApiKey);
    }

    [Fact]
    public async Task GenerateContentAsync_UploadUrlOnAnotherHost_DoesNotSendTheKeyThere()
    {
        var handler = new RecordingHandler((_, index) => index switch
        {
            0 => UploadStarted("https://uploads.example.test/resumable?upload_id=up-2"),
            1 => RecordingHandler.Json("""{"file":{"name":"files/f2","state":"ACTIVE","uri":"https://generativelanguage.googleapis.com/v1beta/files/f2"}}"""),
            2 => RecordingHandler.Json(SharedData.ReadGeminiFixture(StructuredAnswer)),
            _ => RecordingHandler.Json("{}"),
        });
        using var harness = new Harness(handler, o => o.InlineDataLimitBytes = 4);

        await harness.Client.GenerateContentAsync(Request(SmallPdf), ApiKey, TestContext.Current.CancellationToken);

        Assert.Equal(4, handler.Requests.Count); // start, upload, generate (already ACTIVE: no poll), delete
        Assert.False(handler.Requests[1].Headers.ContainsKey("x-goog-api-key"));
        Assert.Equal(ApiKey, handler.Requests[2].Headers["x-goog-api-key"]);
    }

    [Fact]
    public async Task GenerateContentAsync_UploadedFileFails_ThrowsServerErrorAndDeletesFile()
    {
        var handler = new RecordingHandler((_, index) => index switch
        {
            0 => UploadStarted("https://generativelanguage.googleapis.com/upload/v1beta/files?upload_id=up-3"),
            1 => RecordingHandler.Json("""{"file":{"name":"files/f3","state":"FAILED","error":{"code":400,"message":"The document has no pages.","status":"INVALID_ARGUMENT"}}}"""),
            _ => RecordingHandler.Json("{}"),
        });
        using var harness = new Harness(handler, o => o.InlineDataLimitBytes = 4);

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => harness.Client.GenerateContentAsync(Request(SmallPdf), ApiKey, TestContext.Current.CancellationToken));

        Assert.Equal(InvoiceOcrErrorKind.ServerError, error.Kind);
        Assert.Equal("INVALID_ARGUMENT", error.GoogleStatus);
        Assert.Equal("The Gemini Files API could not process the uploaded document (files/f3): The document has no pages.", error.Message);
        Assert.Equal(HttpMethod.Delete, handler.Requests[^1].Method);
        Assert.Equal("https://generativelanguage.googleapis.com/v1beta/files/f3", handler.Requests[^1].Uri.AbsoluteUri);
    }

    [Fact]
    public async Task GenerateContentAsync_FileStaysProcessing_ThrowsTimeoutAndDeletesFile()
    {
        var handler = new RecordingHandler((request, index) => index switch
        {
            0 => UploadStarted("https://generativelanguage.googleapis.com/upload/v1beta/files?upload_id=up-4"),
            _ when request.Method == HttpMethod.Delete => new HttpResponseMessage(HttpStatusCode.OK),
            _ => RecordingHandler.Json("""{"file":{"name":"files/f4","state":"PROCESSING"}}"""),
        });
        using var harness = new Harness(handler, o =>
        {
            o.InlineDataLimitBytes = 4;
            o.FilePollInterval = TimeSpan.FromSeconds(1);
            o.FileProcessingTimeout = TimeSpan.FromSeconds(3);
        });

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => harness.RunWithClockAsync(
            harness.Client.GenerateContentAsync(Request(SmallPdf), ApiKey, TestContext.Current.CancellationToken)));

        Assert.Equal(InvoiceOcrErrorKind.Timeout, error.Kind);
        Assert.Contains("Gemini:FileProcessingTimeout", error.Message, StringComparison.Ordinal);
        var polls = handler.Requests.Count(r => r.Method == HttpMethod.Get);
        Assert.InRange(polls, 1, 3);
        Assert.Equal(HttpMethod.Delete, handler.Requests[^1].Method);
    }

    [Fact]
    public async Task GenerateContentAsync_Recorded429_ThrowsTypedErrorAndLogsWithoutKey()
    {
        var handler = new RecordingHandler((_, _) => RecordingHandler.Json(
            SharedData.ReadGeminiFixture("err-429_RESOURCE_EXHAUSTED_free-tier-TPM_2025-06_QuotaFailure-Help-RetryInfo.json"), HttpStatusCode.TooManyRequests));
        using var harness = new Harness(handler);

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => harness.Client.GenerateContentAsync(Request(SmallPdf), ApiKey, TestContext.Current.CancellationToken));

        Assert.Equal(InvoiceOcrErrorKind.RateLimitedPerMinute, error.Kind);
        Assert.Equal(TimeSpan.FromSeconds(26), error.RetryAfter);
        Assert.Equal("GenerateContentInputTokensPerModelPerMinute-FreeTier", error.QuotaId);
        Assert.Null(error.BilledUsage);
        Assert.Contains(harness.Logs.GetSnapshot(), r => r.Id.Name == "GeminiError" && r.Level == LogLevel.Warning);
        harness.AssertLogsNeverContain(ApiKey);
    }

    [Fact]
    public async Task GenerateContentAsync_ErrorEchoingTheKey_ScrubsMessageAndLogs()
    {
        var body = "{\"error\":{\"code\":400,\"message\":\"API key not valid: " + ApiKey + "\",\"status\":\"INVALID_ARGUMENT\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"API_KEY_INVALID\"},{\"@type\":\"type.googleapis.com/google.rpc.DebugInfo\",\"detail\":\"key " + ApiKey + "\"}]}}";
        var handler = new RecordingHandler((_, _) => RecordingHandler.Json(body, HttpStatusCode.BadRequest));
        using var harness = new Harness(handler);

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => harness.Client.GenerateContentAsync(Request(SmallPdf), ApiKey, TestContext.Current.CancellationToken));

        Assert.Equal(InvoiceOcrErrorKind.KeyInvalid, error.Kind);
        Assert.Equal("API key not valid: [redacted]", error.Message);
        Assert.DoesNotContain(ApiKey, error.ToString(), StringComparison.Ordinal);
        harness.AssertLogsNeverContain(ApiKey);
    }

    [Fact]
    public async Task GenerateContentAsync_Html502_ThrowsServerError()
    {
        var handler = new RecordingHandler((_, _) => new HttpResponseMessage(HttpStatusCode.BadGateway)
        {
            Content = new StringContent("<html><body>502 Bad Gateway</body></html>", Encoding.UTF8, "text/html"),
        });
        using var harness = new Harness(handler);

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => harness.Client.GenerateContentAsync(Request(SmallPdf), ApiKey, TestContext.Current.CancellationToken));

        Assert.Equal(InvoiceOcrErrorKind.ServerError, error.Kind);
        Assert.Equal(HttpStatusCode.BadGateway, error.HttpStatus);
    }

    [Fact]
    public async Task GenerateContentAsync_RecordedMaxTokens_ReturnsResultWithoutThrowing()
    {
        var handler = new RecordingHandler((_, _) => RecordingHandler.Json(SharedData.ReadGeminiFixture("gc-200_generationConfig_finishReason-MAX_TOKENS_gemini-2.0-flash.response.json")));
        using var harness = new Harness(handler);

        var result = await harness.Client.GenerateContentAsync(Request(SmallPdf), ApiKey, TestContext.Current.CancellationToken);

        Assert.Equal("MAX_TOKENS", result.FinishReason);
        Assert.Equal(InvoiceOcrErrorKind.OutputTruncated, Assert.Throws<InvoiceOcrException>(() => result.EnsureCompleted()).Kind);
    }

    [Fact]
    public async Task GenerateContentAsync_TruncatedJsonBody_ThrowsNetworkFailure()
    {
        var handler = new RecordingHandler((_, _) => RecordingHandler.Json("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"{\\\"a\\\""));
        using var harness = new Harness(handler);

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => harness.Client.GenerateContentAsync(Request(SmallPdf), ApiKey, TestContext.Current.CancellationToken));

        Assert.Equal(InvoiceOcrErrorKind.NetworkFailure, error.Kind);
        Assert.True(error.IsTransient);
        Assert.IsAssignableFrom<System.Text.Json.JsonException>(error.InnerException);
    }

    [Fact]
    public async Task GenerateContentAsync_ConnectionFails_ThrowsNetworkFailure()
    {
        var handler = new RecordingHandler((_, _) => throw new HttpRequestException("Connection refused (generativelanguage.googleapis.com:443)"));
        using var harness = new Harness(handler);

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => harness.Client.GenerateContentAsync(Request(SmallPdf), ApiKey, TestContext.Current.CancellationToken));

        Assert.Equal(InvoiceOcrErrorKind.NetworkFailure, error.Kind);
        Assert.IsType<HttpRequestException>(error.InnerException);
        harness.AssertLogsNeverContain(ApiKey);
    }

    [Fact]
    public async Task GenerateContentAsync_ClientTimeout_ThrowsTimeout()
    {
        var handler = new RecordingHandler((_, _) => throw new TaskCanceledException("The request was canceled due to the configured HttpClient.Timeout of 100 seconds elapsing.", new TimeoutException()));
        using var harness = new Harness(handler);

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => harness.Client.GenerateContentAsync(Request(SmallPdf), ApiKey, TestContext.Current.CancellationToken));

        Assert.Equal(InvoiceOcrErrorKind.Timeout, error.Kind);
        Assert.True(error.IsTransient);
    }

    [Fact]
    public async Task GenerateContentAsync_CallerCancels_PropagatesOperationCanceledUnchanged()
    {
        using var cts = new CancellationTokenSource();
        var handler = new RecordingHandler((_, _) =>
        {
            cts.Cancel(); // the caller gives up while the call is in flight
            throw new TaskCanceledException("canceled", null, cts.Token);
        });
        using var harness = new Harness(handler);

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => harness.Client.GenerateContentAsync(Request(SmallPdf), ApiKey, cts.Token));

        Assert.Equal(cts.Token, error.CancellationToken);
    }

    [Fact]
    public async Task GenerateContentAsync_BlankKey_ThrowsArgumentException()
    {
        using var harness = new Harness(new RecordingHandler((_, _) => RecordingHandler.Json("{}")));

        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.GenerateContentAsync(Request(SmallPdf), " ", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task GenerateContentAsync_ModelOverrideWithPath_ThrowsArgumentException()
    {
        var handler = new RecordingHandler((_, _) => RecordingHandler.Json("{}"));
        using var harness = new Harness(handler);

        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.GenerateContentAsync(Request(SmallPdf, model: "../files/x"), ApiKey, TestContext.Current.CancellationToken));
        Assert.Empty(handler.Requests);
    }

    [Fact]
    public async Task GenerateContentAsync_SameShapeWithAnotherDocument_SendsTheNewDocumentInTheSameJson()
    {
        var handler = new RecordingHandler((_, _) => RecordingHandler.Json(SharedData.ReadGeminiFixture(StructuredAnswer)));
        using var harness = new Harness(handler);
        var first = Request(SmallPdf);
        var otherPdf = Encoding.ASCII.GetBytes("%PDF-1.7\n%another document, longer than the first\n");

        await harness.Client.GenerateContentAsync(first, ApiKey, TestContext.Current.CancellationToken);
        await harness.Client.GenerateContentAsync(
            new GeminiGenerateRequest(otherPdf, first.MimeType, first.SystemInstruction!, first.Prompt, first.ResponseJsonSchema!),
            ApiKey,
            TestContext.Current.CancellationToken);

        Assert.Equal(2, handler.Requests.Count);
        var firstData = Convert.ToBase64String(SmallPdf);
        var secondData = Convert.ToBase64String(otherPdf);
        Assert.Equal(handler.Requests[0].BodyText.Replace(firstData, secondData, StringComparison.Ordinal), handler.Requests[1].BodyText);
        Assert.Equal(handler.Requests[1].Body.Length, handler.Requests[1].ContentLength);
        Assert.Equal(secondData, (string)JsonNode.Parse(handler.Requests[1].Body)!["contents"]![0]!["parts"]![0]!["inlineData"]!["data"]!);
    }

    [Fact]
    public async Task GenerateContentAsync_OptionsPromptOrModelChangedBetweenCalls_SendsTheNewValues()
    {
        var handler = new RecordingHandler((_, _) => RecordingHandler.Json(SharedData.ReadGeminiFixture(StructuredAnswer)));
        using var harness = new Harness(handler);
        var request = Request(SmallPdf);
        await harness.Client.GenerateContentAsync(request, ApiKey, TestContext.Current.CancellationToken);

        harness.Options.Temperature = 0.5;
        harness.Options.MaxOutputTokens = 2048;
        await harness.Client.GenerateContentAsync(request, ApiKey, TestContext.Current.CancellationToken);
        harness.Options.ApiVersion = "v1";
        await harness.Client.GenerateContentAsync(
            new GeminiGenerateRequest(SmallPdf, "image/png", request.SystemInstruction!, "Extract the receipt.", request.ResponseJsonSchema!) { Model = "gemini-2.5-pro" },
            ApiKey,
            TestContext.Current.CancellationToken);

        var bodies = handler.Requests.Select(r => JsonNode.Parse(r.Body)!).ToList();
        Assert.Equal(0.0, (double)bodies[0]["generationConfig"]!["temperature"]!);
        Assert.Equal(0.5, (double)bodies[1]["generationConfig"]!["temperature"]!);
        Assert.Equal(2048, (int)bodies[1]["generationConfig"]!["maxOutputTokens"]!);
        Assert.Equal("Extract the receipt.", (string)bodies[2]["contents"]![0]!["parts"]![1]!["text"]!);
        Assert.Equal("image/png", (string)bodies[2]["contents"]![0]!["parts"]![0]!["inlineData"]!["mimeType"]!);
        Assert.Equal("https://generativelanguage.googleapis.com/v1/models/gemini-2.5-pro:generateContent", handler.Requests[2].Uri.AbsoluteUri);
    }

    [Fact]
    public async Task GenerateContentAsync_InvalidModelAfterAValidCall_ThrowsWithoutSending()
    {
        var handler = new RecordingHandler((_, _) => RecordingHandler.Json(SharedData.ReadGeminiFixture(StructuredAnswer)));
        using var harness = new Harness(handler);
        await harness.Client.GenerateContentAsync(Request(SmallPdf), ApiKey, TestContext.Current.CancellationToken);

        await Assert.ThrowsAsync<ArgumentException>(() => harness.Client.GenerateContentAsync(Request(SmallPdf, model: "models/gemini-2.5-flash"), ApiKey, TestContext.Current.CancellationToken));

        Assert.Single(handler.Requests);
    }

    [Fact]
    public void GeminiGenerateRequest_EmptyDocument_Throws()
    {
        Assert.Throws<ArgumentException>(() => new GeminiGenerateRequest(ReadOnlyMemory<byte>.Empty, "application/pdf", "si", "p", []));
    }

    private static GeminiGenerateRequest Request(byte[] document, string? model = null, string? displayName = null) =>
        new(document, "application/pdf", "You extract invoices. v1", "Extract the invoice.",
            new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { ["invoiceNumber"] = new JsonObject { ["type"] = "string" } },
                ["required"] = new JsonArray("invoiceNumber"),
            })
        {
            Model = model,
            DisplayName = displayName,
        };

    /// <summary>A stream of unknown length that hands out at most <c>chunk</c> bytes per read, as a network stream does.</summary>
    private sealed class TrickleStream(byte[] data, int chunk) : Stream
    {
        private int _position;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = Math.Min(Math.Min(count, chunk), data.Length - _position);
            data.AsSpan(_position, n).CopyTo(buffer.AsSpan(offset));
            _position += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static HttpResponseMessage UploadStarted(string uploadUrl)
    {
        var response = new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(string.Empty) };
        response.Headers.TryAddWithoutValidation("X-Goog-Upload-URL", uploadUrl);
        response.Headers.TryAddWithoutValidation("X-Goog-Upload-Status", "active");
        return response;
    }

    /// <summary>The client as the SDK registers it (DI, IHttpClientFactory, options, logging) over a recording handler.</summary>
    private sealed class Harness : IDisposable
    {
        private readonly ServiceProvider _provider;

        public Harness(RecordingHandler handler, Action<GeminiOptions>? configure = null)
        {
            var services = new ServiceCollection();
            services.AddLogging(b => b.AddFakeLogging().SetMinimumLevel(LogLevel.Trace));
            services.AddSingleton<TimeProvider>(Time);
            services.AddInvoiceOcrGeminiClient();
            services.Configure<GeminiOptions>(o => configure?.Invoke(o));
            services.AddHttpClient(GeminiClient.HttpClientName).ConfigurePrimaryHttpMessageHandler(() => handler);
            _provider = services.BuildServiceProvider(validateScopes: true);
            Client = _provider.GetRequiredService<GeminiClient>();
            Logs = _provider.GetRequiredService<FakeLogCollector>();
            Options = _provider.GetRequiredService<Microsoft.Extensions.Options.IOptionsMonitor<GeminiOptions>>().CurrentValue;
        }

        /// <summary>Gets the options instance the client reads on every call.</summary>
        public GeminiOptions Options { get; }

        public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 3, 6, 12, 0, 0, TimeSpan.Zero));

        public GeminiClient Client { get; }

        public FakeLogCollector Logs { get; }

        /// <summary>Advances the fake clock until the call completes (it waits on TimeProvider delays while polling).</summary>
        public async Task<T> RunWithClockAsync<T>(Task<T> call)
        {
            while (!call.IsCompleted)
            {
                Time.Advance(TimeSpan.FromMilliseconds(250));
                await Task.WhenAny(call, Task.Delay(5, TestContext.Current.CancellationToken));
            }

            return await call;
        }

        public void AssertLogsNeverContain(string secret)
        {
            var records = Logs.GetSnapshot();
            Assert.NotEmpty(records);
            foreach (var record in records)
            {
                Assert.DoesNotContain(secret, record.Message, StringComparison.Ordinal);
                Assert.DoesNotContain(secret, record.Exception?.ToString() ?? string.Empty, StringComparison.Ordinal);
                foreach (var pair in record.StructuredState ?? [])
                {
                    // Structured state too: a structured sink stores it even when the message text is redacted.
                    Assert.False((pair.Value ?? string.Empty).Contains(secret, StringComparison.Ordinal), $"{record.Category} {record.Id} state '{pair.Key}' holds the key.");
                }
            }
        }

        public void Dispose() => _provider.Dispose();
    }
}
