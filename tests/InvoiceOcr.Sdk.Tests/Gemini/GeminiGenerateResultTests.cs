using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Sdk.Tests.Gemini;

public sealed class GeminiGenerateResultTests
{
    [Fact]
    public void EnsureCompleted_RecordedStop_ReturnsSameResult()
    {
        var result = GeminiResponseReaderTests.Read(SharedData.ReadGeminiFixture("gc-200_systemInstruction_gemini-2.0-flash.response.json"), "gemini-2.0-flash");

        Assert.Same(result, result.EnsureCompleted());
    }

    [Fact]
    public void EnsureCompleted_RecordedMaxTokens_ThrowsOutputTruncatedWithBilledUsage()
    {
        var result = GeminiResponseReaderTests.Read(SharedData.ReadGeminiFixture("gc-200_generationConfig_finishReason-MAX_TOKENS_gemini-2.0-flash.response.json"), "gemini-2.0-flash");

        var error = Assert.Throws<InvoiceOcrException>(() => result.EnsureCompleted());

        Assert.Equal(InvoiceOcrErrorKind.OutputTruncated, error.Kind);
        Assert.False(error.IsTransient);
        Assert.Equal("3T2taI_WAYvhz7IP99jNkAQ", error.ResponseId);
        Assert.NotNull(error.BilledUsage);
        Assert.Equal(98, error.BilledUsage.OutputTokens);
        Assert.Equal(104, error.BilledUsage.TotalTokens);
        Assert.NotNull(error.BilledUsage.RawUsageJson);
        Assert.Contains("MAX_TOKENS", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureCompleted_RecordedSafetyFinish_ThrowsContentBlockedWithBilledUsage()
    {
        var result = GeminiResponseReaderTests.Read(SharedData.ReadGeminiFixture("gc-200_finishReason-SAFETY_gemini-2.0-flash.response.json"), "gemini-2.0-flash");

        var error = Assert.Throws<InvoiceOcrException>(() => result.EnsureCompleted());

        Assert.Equal("SAFETY", result.FinishReason);
        Assert.Equal("Safety error incoming in 5, 4, 3, 2...", result.Text);
        Assert.Equal(InvoiceOcrErrorKind.ContentBlocked, error.Kind);
        Assert.Equal(27, error.BilledUsage!.TotalTokens);
        Assert.Null(error.ResponseId);
    }

    [Fact]
    public void EnsureCompleted_RecordedPromptBlockedStreamEvent_ThrowsContentBlocked()
    {
        var events = GeminiWireModelsTests.ReadSseEvents(SharedData.ReadGeminiFixture("sse-200_promptFeedback-blockReason-SAFETY.sse.txt"));
        var result = GeminiResponseReaderTests.Read(Assert.Single(events), "gemini-2.0-flash");

        var error = Assert.Throws<InvoiceOcrException>(() => result.EnsureCompleted());

        Assert.Equal("SAFETY", result.BlockReason);
        Assert.Equal(0, result.CandidateCount);
        Assert.Equal(InvoiceOcrErrorKind.ContentBlocked, error.Kind);
        Assert.Contains("blockReason SAFETY", error.Message, StringComparison.Ordinal);
        Assert.Null(error.BilledUsage); // the event carried no usageMetadata
    }

    [Theory]
    [InlineData("RECITATION", InvoiceOcrErrorKind.ContentBlocked)]
    [InlineData("BLOCKLIST", InvoiceOcrErrorKind.ContentBlocked)]
    [InlineData("PROHIBITED_CONTENT", InvoiceOcrErrorKind.ContentBlocked)]
    [InlineData("SPII", InvoiceOcrErrorKind.ContentBlocked)]
    [InlineData("IMAGE_SAFETY", InvoiceOcrErrorKind.ContentBlocked)]
    [InlineData("MAX_TOKENS", InvoiceOcrErrorKind.OutputTruncated)]
    [InlineData("OTHER", InvoiceOcrErrorKind.SchemaMismatch)]
    [InlineData("MALFORMED_RESPONSE", InvoiceOcrErrorKind.SchemaMismatch)]
    [InlineData("A_REASON_FROM_2030", InvoiceOcrErrorKind.SchemaMismatch)]
    public void EnsureCompleted_FinishReason_MapsToKind(string finishReason, InvoiceOcrErrorKind expected)
    {
        var result = GeminiResponseReaderTests.Read(Answer("\"finishReason\":\"" + finishReason + "\",", "{}"), "m");

        var error = Assert.Throws<InvoiceOcrException>(() => result.EnsureCompleted());

        Assert.Equal(expected, error.Kind);
        Assert.Equal("resp-1", error.ResponseId);
        Assert.Equal(11, error.BilledUsage!.InputTokens);
    }

    [Fact]
    public void EnsureCompleted_MissingFinishReason_ThrowsSchemaMismatch()
    {
        var result = GeminiResponseReaderTests.Read(Answer(string.Empty, "{}"), "m");

        Assert.Equal(InvoiceOcrErrorKind.SchemaMismatch, Assert.Throws<InvoiceOcrException>(() => result.EnsureCompleted()).Kind);
    }

    [Fact]
    public void EnsureCompleted_StopWithEmptyText_ThrowsSchemaMismatch()
    {
        var result = GeminiResponseReaderTests.Read(Answer("\"finishReason\":\"STOP\",", "  "), "m");

        var error = Assert.Throws<InvoiceOcrException>(() => result.EnsureCompleted());

        Assert.Equal(InvoiceOcrErrorKind.SchemaMismatch, error.Kind);
        Assert.Contains("without any answer text", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void EnsureCompleted_NoCandidates_ThrowsSchemaMismatchWithUsage()
    {
        var result = GeminiResponseReaderTests.Read("""{"candidates":[],"usageMetadata":{"promptTokenCount":5,"totalTokenCount":5},"responseId":"r-2"}""", "m");

        var error = Assert.Throws<InvoiceOcrException>(() => result.EnsureCompleted());

        Assert.Equal(InvoiceOcrErrorKind.SchemaMismatch, error.Kind);
        Assert.Equal(5, error.BilledUsage!.TotalTokens);
        Assert.Equal("r-2", error.ResponseId);
    }

    [Fact]
    public void EnsureCompleted_OtherWithFinishMessage_IncludesMessage()
    {
        var result = GeminiResponseReaderTests.Read(Answer("\"finishReason\":\"OTHER\",\"finishMessage\":\"Model stopped early.\",", "{}"), "m");

        var error = Assert.Throws<InvoiceOcrException>(() => result.EnsureCompleted());

        Assert.Equal("Gemini did not finish normally (finishReason OTHER). Model stopped early.", error.Message);
    }

    private static string Answer(string finish, string text) =>
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"" + text + "\"}],\"role\":\"model\"}," + finish + "\"index\":0}],"
        + "\"usageMetadata\":{\"promptTokenCount\":11,\"candidatesTokenCount\":3,\"totalTokenCount\":14},\"responseId\":\"resp-1\"}";
}
