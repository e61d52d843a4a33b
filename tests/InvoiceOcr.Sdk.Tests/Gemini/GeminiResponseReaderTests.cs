using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Sdk.Tests.Gemini;

public sealed class GeminiResponseReaderTests
{
    [Fact]
    public void Read_RecordedImageAnswer_MapsEveryUsageFieldAndKeepsRawJson()
    {
        var json = SharedData.ReadGeminiFixture("gc-200_image-fileData_gemini-2.5-flash_IMAGE258_implicit-cache_thoughts.response.json");

        var result = Read(json, "gemini-2.5-flash");

        Assert.Equal("STOP", result.FinishReason);
        Assert.True(result.IsCompleted);
        Assert.Equal("gemini-2.5-flash", result.ModelVersion);
        Assert.Equal("BB-qac3_NuyKqtsPnM_bwAg", result.ResponseId);
        Assert.StartsWith("This image is a **hand-drawn concept sketch in blue ink", result.Text, StringComparison.Ordinal);
        Assert.EndsWith("integrated into a conventional-looking backpack.", result.Text, StringComparison.Ordinal);
        Assert.Contains("Design & Comfort", result.Text, StringComparison.Ordinal); // \u0026 unescaped
        var usage = result.Usage;
        Assert.Equal(265, usage.InputTokens);
        Assert.Equal(223, usage.OutputTokens);
        Assert.Equal(1518, usage.TotalTokens);
        Assert.Equal(201, usage.CachedTokens);
        Assert.Equal(1030, usage.ThoughtsTokens);
        Assert.Equal(0, usage.ToolUseTokens);
        Assert.Equal(7, usage.TextTokens);
        Assert.Equal(258, usage.ImageTokens);
        Assert.Equal(0, usage.DocumentTokens);
        Assert.Equal(usage.InputTokens + usage.OutputTokens + usage.ThoughtsTokens, usage.TotalTokens);
        AssertRawUsageIsVerbatim(json, usage.RawUsageJson);
    }

    [Fact]
    public void Read_RecordedImageAnswer_ParsesCacheDetails()
    {
        var response = JsonSerializer.Deserialize(
            SharedData.ReadGeminiFixture("gc-200_image-fileData_gemini-2.5-flash_IMAGE258_implicit-cache_thoughts.response.json"),
            GeminiJsonContext.Default.GeminiGenerateContentResponse)!;

        var cache = response.UsageMetadata!.CacheTokensDetails!;
        Assert.Equal(["TEXT", "IMAGE"], cache.Select(c => c.Modality));
        Assert.Equal([5, 196], cache.Select(c => c.TokenCount));
        Assert.Equal(0, response.Candidates![0].Index);
    }

    [Fact]
    public void Read_RecordedBasicReply_WithoutResponseId()
    {
        var json = SharedData.ReadGeminiFixture("gc-200_basic-reply_safetyRatings_avgLogprobs_gemini-2.0-flash.response.json");

        var result = Read(json, "gemini-2.0-flash");
        var response = JsonSerializer.Deserialize(json, GeminiJsonContext.Default.GeminiGenerateContentResponse)!;

        Assert.Equal("Google's headquarters, also known as the Googleplex, is located in **Mountain View, California**.\n", result.Text);
        Assert.True(result.IsCompleted);
        Assert.Null(result.ResponseId);
        Assert.Equal("gemini-2.0-flash", result.ModelVersion);
        Assert.Equal((7, 22, 29, 7), (result.Usage.InputTokens, result.Usage.OutputTokens, result.Usage.TotalTokens, result.Usage.TextTokens));
        var candidate = response.Candidates![0];
        Assert.Equal(-0.048741644079034981, candidate.AvgLogprobs);
        Assert.Equal(4, candidate.SafetyRatings!.Count);
        Assert.Equal("HARM_CATEGORY_HATE_SPEECH", candidate.SafetyRatings[0].Category);
        Assert.All(candidate.SafetyRatings, r => Assert.Equal("NEGLIGIBLE", r.Probability));
        Assert.Equal([22], response.UsageMetadata!.CandidatesTokensDetails!.Select(d => d.TokenCount));
        AssertRawUsageIsVerbatim(json, result.Usage.RawUsageJson);
    }

    [Fact]
    public void Read_RecordedStructuredJson_TextIsTheSchemaAnswer()
    {
        var json = SharedData.ReadGeminiFixture("gc-200_structured-json_responseSchema_gemini-2.0-flash.response.json");

        var result = Read(json, "gemini-2.0-flash");
        var answer = JsonNode.Parse(result.Text)!;

        Assert.True(result.IsCompleted);
        Assert.Equal("MTyuaN2kKM6dz7IPx4Uy", result.ResponseId);
        Assert.Equal("Australia", (string?)answer["title"]);
        Assert.Equal(25000000, (long)answer["population"]!);
        Assert.Equal("Canberra", (string?)answer["capital"]);
        Assert.Equal((33, 52, 85), (result.Usage.InputTokens, result.Usage.OutputTokens, result.Usage.TotalTokens));
    }

    [Fact]
    public void Read_RecordedSystemInstructionAnswer()
    {
        var result = Read(SharedData.ReadGeminiFixture("gc-200_systemInstruction_gemini-2.0-flash.response.json"), "gemini-2.0-flash");

        Assert.Equal("low\n", result.Text);
        Assert.Equal("2z2taPegJ7nhz7IPitaekAU", result.ResponseId);
        Assert.Equal((8, 2, 10), (result.Usage.InputTokens, result.Usage.OutputTokens, result.Usage.TotalTokens));
    }

    [Fact]
    public void Read_RecordedSafetySettingsAnswer()
    {
        var json = SharedData.ReadGeminiFixture("gc-200_safetySettings_gemini-2.0-flash.response.json");

        var result = Read(json, "gemini-2.0-flash");

        Assert.True(result.IsCompleted);
        Assert.Equal("3T2taNqrO6iGz7IP8ZW48Q0", result.ResponseId);
        Assert.StartsWith("Responsible AI frameworks generally aim to prohibit hate speech", result.Text, StringComparison.Ordinal);
        Assert.Equal((9, 1103, 1112), (result.Usage.InputTokens, result.Usage.OutputTokens, result.Usage.TotalTokens));
        AssertRawUsageIsVerbatim(json, result.Usage.RawUsageJson);
    }

    [Fact]
    public void Read_RecordedMaxTokensAnswer_IsNotCompleted()
    {
        var result = Read(SharedData.ReadGeminiFixture("gc-200_generationConfig_finishReason-MAX_TOKENS_gemini-2.0-flash.response.json"), "gemini-2.0-flash");

        Assert.Equal("MAX_TOKENS", result.FinishReason);
        Assert.False(result.IsCompleted);
        Assert.EndsWith("This collision causes the light to scatter in different directions", result.Text, StringComparison.Ordinal);
        Assert.Equal("3T2taI_WAYvhz7IP99jNkAQ", result.ResponseId);
        Assert.Equal((6, 98, 104), (result.Usage.InputTokens, result.Usage.OutputTokens, result.Usage.TotalTokens));
    }

    [Fact]
    public void ToTokenUsage_RecordedPdfUsage_MapsDocumentModalityAndServiceTier()
    {
        var raw = SharedData.ReadGeminiFixture("usage-only_pdf-inline_DOCUMENT2580_gemini-2.5-pro.usageMetadata.json").Trim();
        var metadata = JsonSerializer.Deserialize(raw, GeminiJsonContext.Default.GeminiUsageMetadata)!;

        var usage = GeminiResponseReader.ToTokenUsage(metadata, raw);

        Assert.Equal("standard", metadata.ServiceTier);
        Assert.Equal(2674, usage.InputTokens);
        Assert.Equal(616, usage.OutputTokens);
        Assert.Equal(2678, usage.ThoughtsTokens);
        Assert.Equal(5968, usage.TotalTokens);
        Assert.Equal(94, usage.TextTokens);
        Assert.Equal(2580, usage.DocumentTokens);
        Assert.Equal(0, usage.ImageTokens);
        Assert.Equal(usage.InputTokens + usage.OutputTokens + usage.ThoughtsTokens, usage.TotalTokens);
        Assert.Same(raw, usage.RawUsageJson);
    }

    [Fact]
    public void Read_AllUsageFieldsAndUnknownMembers_AreParsedOrIgnored()
    {
        const string usageJson = """{"promptTokenCount":300,"cachedContentTokenCount":40,"candidatesTokenCount":50,"toolUsePromptTokenCount":12,"thoughtsTokenCount":100,"totalTokenCount":462,"promptTokensDetails":[{"modality":"TEXT","tokenCount":42},{"modality":"IMAGE","tokenCount":258},{"modality":"HOLOGRAM","tokenCount":0}],"toolUsePromptTokensDetails":[{"modality":"TEXT","tokenCount":12}],"candidatesTokensDetails":[{"modality":"TEXT","tokenCount":50}],"serviceTier":"standard","rawPromptTokenCount":301,"brandNewField":[1,2]}""";
        var json = "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"thinking...\",\"thought\":true},{\"text\":\"{\\\"a\\\":\",\"thoughtSignature\":\"c2ln\"},{\"text\":\"1}\"}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"futureField\":{}}],"
            + "\"usageMetadata\":" + usageJson + ",\"modelVersion\":\"gemini-3.5-flash\",\"responseId\":\"r-1\",\"turnToken\":\"v1_x\"}";

        var result = Read(json, "gemini-3.5-flash");
        var metadata = JsonSerializer.Deserialize(usageJson, GeminiJsonContext.Default.GeminiUsageMetadata)!;

        Assert.Equal("{\"a\":1}", result.Text); // thought part excluded, the rest concatenated
        Assert.Equal(12, result.Usage.ToolUseTokens);
        Assert.Equal(40, result.Usage.CachedTokens);
        Assert.Equal(258, result.Usage.ImageTokens);
        Assert.Equal(42, result.Usage.TextTokens);
        Assert.Equal(usageJson, result.Usage.RawUsageJson);
        Assert.Equal(301, metadata.RawPromptTokenCount);
        Assert.Equal(12, Assert.Single(metadata.ToolUsePromptTokensDetails!).TokenCount);
    }

    [Fact]
    public void Read_NoUsageMetadata_UsesNoneAndHasUsageIsFalse()
    {
        var result = Read("""{"candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}]}""", "m");

        Assert.Same(TokenUsage.None, result.Usage);
        Assert.False(result.HasUsage);
    }

    [Theory]
    [InlineData("{\"candidates\":[{\"content\":")]
    [InlineData("<html>gateway</html>")]
    [InlineData("null")]
    [InlineData("")]
    public void Read_TruncatedOrInvalidJson_ThrowsJsonException(string json)
    {
        Assert.ThrowsAny<JsonException>(() => Read(json, "m"));
    }

    [Fact]
    public void ExtractTopLevelProperty_NestedPropertyOfSameName_IsNotTaken()
    {
        var json = Encoding.UTF8.GetBytes("""{"candidates":[{"usageMetadata":{"promptTokenCount":1}}],"modelVersion":"m","usageMetadata" : {"promptTokenCount": 2}}""");

        Assert.Equal("{\"promptTokenCount\": 2}", GeminiResponseReader.ExtractTopLevelProperty(json, "usageMetadata"));
        Assert.Equal("\"m\"", GeminiResponseReader.ExtractTopLevelProperty(json, "modelVersion"));
        Assert.Null(GeminiResponseReader.ExtractTopLevelProperty(json, "responseId"));
    }

    public static TheoryData<string> FastPathShapes() =>
    [
        SharedData.ReadGeminiFixture("gc-200_basic-reply_safetyRatings_avgLogprobs_gemini-2.0-flash.response.json"),
        SharedData.ReadGeminiFixture("gc-200_finishReason-SAFETY_gemini-2.0-flash.response.json"),
        SharedData.ReadGeminiFixture("gc-200_generationConfig_finishReason-MAX_TOKENS_gemini-2.0-flash.response.json"),
        SharedData.ReadGeminiFixture("gc-200_image-fileData_gemini-2.5-flash_IMAGE258_implicit-cache_thoughts.response.json"),
        SharedData.ReadGeminiFixture("gc-200_safetySettings_gemini-2.0-flash.response.json"),
        SharedData.ReadGeminiFixture("gc-200_structured-json_responseSchema_gemini-2.0-flash.response.json"),
        SharedData.ReadGeminiFixture("gc-200_systemInstruction_gemini-2.0-flash.response.json"),
        """{"candidates":[{"content":{"parts":[{"text":"thinking","thought":true},{"text":"a"},{"inlineData":{}},{"text":"b"}]},"finishReason":"STOP"},{"content":{"parts":[{"text":"second"}]}}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2,"totalTokenCount":5,"promptTokensDetails":[{"modality":"TEXT","tokenCount":1},{"modality":"text","tokenCount":1},{"modality":"DOCUMENT","tokenCount":1},{"modality":"VIDEO","tokenCount":9}]}}""",
        """{"promptFeedback":{"blockReason":"SAFETY","blockReasonMessage":"blocked","safetyRatings":[]},"usageMetadata":{"promptTokenCount":7,"totalTokenCount":7}}""",
        """{"promptFeedback":{"blockReason":""},"candidates":null,"usageMetadata":null,"modelVersion":null}""",
        """{"candidates":[null,{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}],"responseId":"r"}""",
        """{"candidates":[{"content":null,"finishReason":"OTHER","finishMessage":"m"}],"responseId":"r","modelVersion":"v"}""",
        """{"candidates":[{"content":{"role":"model"},"finishReason":"STOP"}]}""",
        """{}""",
        """{"\u0063andidates":[{"content":{"parts":[{"text":"escaped \u0041"}]},"finishReason":"STOP"}]}""",
    ];

    [Theory]
    [MemberData(nameof(FastPathShapes))]
    public void TryReadFast_AnswerShapes_GivesExactlyWhatTheSerializerGives(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        var response = JsonSerializer.Deserialize(bytes, GeminiJsonContext.Default.GeminiGenerateContentResponse)!;
        var expected = GeminiResponseReader.ToResult(response, GeminiResponseReader.ExtractTopLevelProperty(bytes, "usageMetadata"), "m");

        var fast = GeminiResponseReader.TryReadFast(bytes, "m");

        Assert.NotNull(fast);
        Assert.Equal(Describe(expected), Describe(fast));
        Assert.Equal(expected.Usage, fast.Usage);
    }

    [Theory]
    [InlineData("""{"Candidates":[{"content":{"parts":[{"text":"x"}]},"finishReason":"STOP"}]}""")]
    [InlineData("""{"candidates":[{"content":{"parts":[{"TEXT":"x"}]},"finishReason":"STOP"}]}""")]
    [InlineData("""{"usageMetadata":{"promptTokenCount":"12","totalTokenCount":12}}""")]
    [InlineData("""{"usageMetadata":{"promptTokenCount":1},"usageMetadata":{"promptTokenCount":2}}""")]
    [InlineData("""{"candidates":[{"content":{"parts":[{"text":"a","text":"b"}]}}]}""")]
    [InlineData("""{"candidates":[{"content":{"parts":[{"text":"x"}]}}]} """ + "[]")]
    [InlineData("""{"candidates":[{"content":{"parts":[{"text":"x"}]}""")]
    [InlineData("null")]
    public void TryReadFast_AnythingButThePlainShape_LeavesItToTheSerializer(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);

        Assert.Null(GeminiResponseReader.TryReadFast(bytes, "m"));
    }

    [Fact]
    public void Read_MemberNamesInAnotherCaseAndNumbersAsStrings_AreReadByTheSerializerPath()
    {
        var result = Read("""{"Candidates":[{"Content":{"Parts":[{"Text":"x"}]},"FinishReason":"STOP"}],"UsageMetadata":{"promptTokenCount":"12","totalTokenCount":12}}""", "m");

        Assert.Equal("x", result.Text);
        Assert.True(result.IsCompleted);
        Assert.Equal(12, result.Usage.InputTokens);
    }

    private static string Describe(GeminiGenerateResult r) =>
        string.Join("|", r.Text, r.FinishReason, r.FinishMessage, r.CandidateCount, r.BlockReason, r.BlockReasonMessage, r.Model, r.ModelVersion, r.ResponseId, r.HasUsage, r.IsCompleted);

    internal static GeminiGenerateResult Read(string json, string model) => GeminiResponseReader.Read(Encoding.UTF8.GetBytes(json), model);

    private static void AssertRawUsageIsVerbatim(string responseJson, string? raw)
    {
        Assert.NotNull(raw);
        Assert.StartsWith("{", raw, StringComparison.Ordinal);
        Assert.Contains(raw, responseJson, StringComparison.Ordinal);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(responseJson)!["usageMetadata"], JsonNode.Parse(raw)));
    }
}
