using System.Net;
using System.Text.Json.Nodes;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Emulator.Tests.Hosting;

public sealed class StreamingTests : IAsyncLifetime
{
    private EmulatorTestHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EmulatorTestHost.StartAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private async Task<(HttpResponseMessage Response, string Body)> StreamAsync(JsonNode request, string model = "gemini-2.0-flash", string key = EmulatorTestHost.KeyA1)
    {
        var response = await _host.PostAsync($"v1beta/models/{model}:streamGenerateContent?alt=sse", request, key);
        return (response, await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    private static List<string> Frames(string body)
    {
        Assert.EndsWith("\r\n\r\n", body, StringComparison.Ordinal);
        var frames = body[..^4].Split("\r\n\r\n");
        Assert.All(frames, f => Assert.StartsWith("data: {", f, StringComparison.Ordinal));
        Assert.DoesNotContain("[DONE]", body, StringComparison.Ordinal);
        return [.. frames];
    }

    private static JsonObject Event(string frame) => (JsonObject)JsonNode.Parse(frame["data: ".Length..])!;

    [Fact]
    public async Task Sse_FramesEventsExactlyAsRecorded()
    {
        var (response, body) = await StreamAsync(EmulatorTestHost.TextRequest("What is the capital of Wyoming?"));
        using var _ = response;

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType!.MediaType);
        Assert.Equal("attachment", response.Content.Headers.ContentDisposition!.DispositionType);
        var frames = Frames(body);
        Assert.True(frames.Count > 2);

        // The recorded bytes put one space after each colon and none after commas.
        Assert.StartsWith("data: {\"candidates\": [{\"content\": {\"parts\": [{\"text\": ", frames[0], StringComparison.Ordinal);

        var recorded = SharedData.ReadGeminiFixture("sse-200_basic-reply-short_gemini-2.0-flash.sse.txt").Split("\r\n\r\n", StringSplitOptions.RemoveEmptyEntries).Where(f => f.StartsWith("data: ", StringComparison.Ordinal)).ToList();
        // The FTD capture predates responseId.
        JsonShape.AssertSame(Event(recorded[0]), Event(frames[0]), ordered: true, "responseId");
        JsonShape.AssertSame(Event(recorded[^1]), Event(frames[^1]), ordered: true, "responseId");
    }

    [Fact]
    public async Task Sse_MatchesRecordedStructuredChunksAndFinalUsage()
    {
        var request = JsonNode.Parse(SharedData.ReadGeminiFixture("gc-200_structured-json_responseSchema_gemini-2.0-flash.request.json"))!;
        var (response, body) = await StreamAsync(request);
        using var _ = response;

        var events = Frames(body).Select(Event).ToList();
        var recorded = JsonNode.Parse(SharedData.ReadGeminiFixture("sse-200_structured-json_responseSchema_gemini-2.0-flash.chunks.json"))!.AsArray();
        JsonShape.AssertSame(recorded[0], events[0], ordered: false);
        JsonShape.AssertSame(recorded[^1], events[^1], ordered: false);

        // Text deltas concatenate to the answer; one responseId; only the last event has the full usage.
        var text = string.Concat(events.Select(e => (string)e["candidates"]![0]!["content"]!["parts"]![0]!["text"]!));
        Assert.NotNull(JsonNode.Parse(text));
        Assert.Single(events.Select(e => (string)e["responseId"]!).Distinct());
        Assert.All(events[..^1], e => Assert.Null(e["candidates"]![0]!["finishReason"]));
        Assert.Equal("STOP", (string?)events[^1]["candidates"]![0]!["finishReason"]);
        var early = (int)events[0]["usageMetadata"]!["promptTokenCount"]!;
        var final = (int)events[^1]["usageMetadata"]!["promptTokenCount"]!;
        Assert.True(final > early, "as recorded, the schema tokens appear only in the final usage");
        Assert.Equal(InvoiceOcr.Sdk.GeminiTokenRules.EstimateTextTokens(text), (int)events[^1]["usageMetadata"]!["candidatesTokenCount"]!);

        var entry = Assert.Single(_host.Ledger.Entries);
        Assert.Equal("streamGenerateContent", entry.Method);
        Assert.Equal(final, entry.PromptTokenCount);
        Assert.Equal((string)events[0]["responseId"]!, entry.ResponseId);
    }

    [Fact]
    public async Task Sse_PromptBlocked_SendsSingleRecordedPromptFeedbackEventAndIsNotBilled()
    {
        _host.Emulator.InjectFault(EmulatorFaultKind.PromptBlocked);

        var (response, body) = await StreamAsync(EmulatorTestHost.TextRequest());
        using var _ = response;

        var frame = Assert.Single(Frames(body));
        var recorded = SharedData.ReadGeminiFixture("sse-200_promptFeedback-blockReason-SAFETY.sse.txt").TrimEnd('\r', '\n');
        // Byte for byte, up to the frame separator (the stored file keeps only one CRLF at its end).
        Assert.Equal(recorded, frame);
        Assert.Equal(0, _host.Ledger.Count);
    }

    [Fact]
    public async Task StreamWithoutAlt_ReturnsJsonArrayOfEvents()
    {
        using var response = await _host.PostAsync("v1beta/models/gemini-2.5-flash:streamGenerateContent", EmulatorTestHost.TextRequest());

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var array = JsonNode.Parse(await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken))!.AsArray();
        Assert.True(array.Count > 1);
        Assert.Equal("STOP", (string?)array[^1]!["candidates"]![0]!["finishReason"]);
    }

    [Fact]
    public async Task Sse_TruncatedBody_EndsCleanlyWithoutFinalEventAndIsNotBilled()
    {
        _host.Emulator.InjectFault(EmulatorFaultKind.TruncatedBody);

        var (response, body) = await StreamAsync(EmulatorTestHost.TextRequest("Tell me something long enough to stream."));
        using var _ = response;

        var events = Frames(body).Select(Event).ToList();
        Assert.NotEmpty(events);
        Assert.All(events, e => Assert.Null(e["candidates"]![0]!["finishReason"]));
        Assert.Equal(0, _host.Ledger.Count);
    }

    [Fact]
    public async Task Sse_ConnectionReset_FailsTheReadAfterTheFirstEventAndIsNotBilled()
    {
        _host.Emulator.InjectFault(EmulatorFaultKind.ConnectionReset);

        var failure = await Record.ExceptionAsync(() => StreamAsync(EmulatorTestHost.TextRequest()));

        Assert.True(failure is HttpRequestException or IOException, failure?.ToString());
        Assert.Equal(0, _host.Ledger.Count);
    }

    [Fact]
    public async Task Sse_MaxTokensFault_FinalEventSaysMaxTokensAndIsBilled()
    {
        _host.Emulator.InjectFault(EmulatorFaultKind.MaxTokens);

        var (response, body) = await StreamAsync(EmulatorTestHost.TextRequest());
        using var _ = response;

        var last = Frames(body).Select(Event).Last();
        Assert.Equal("MAX_TOKENS", (string?)last["candidates"]![0]!["finishReason"]);
        var entry = Assert.Single(_host.Ledger.Entries);
        Assert.Equal("MAX_TOKENS", entry.FinishReason);
        Assert.Equal((int)last["usageMetadata"]!["candidatesTokenCount"]!, entry.CandidatesTokenCount);
    }
}
