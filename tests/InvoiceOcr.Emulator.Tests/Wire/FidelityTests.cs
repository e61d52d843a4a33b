using System.Net;
using System.Text.Json.Nodes;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Emulator.Tests.Wire;

/// <summary>
/// For each recorded body in shared/fixtures/gemini, the emulator's answer in the matching situation has the same status,
/// the same property names (in wire order for FTD/ISSUE captures; as a set for REC captures, whose recorder sorted keys)
/// and the same google.rpc detail types.
/// </summary>
public sealed class FidelityTests : IAsyncLifetime
{
    private EmulatorTestHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EmulatorTestHost.StartAsync(o =>
    {
        o.Projects["project-b"] = new EmulatorProjectOptions { InputTokensPerMinute = 10 };
        o.AnswerSources.Add(new LongAnswerForSkyQuestion());
    });

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private static JsonNode Fixture(string name) => JsonNode.Parse(SharedData.ReadGeminiFixture(name))!;

    [Fact]
    public async Task UnknownKey_MatchesRecordedApiKeyInvalidBody()
    {
        using var response = await _host.GenerateAsync(EmulatorTestHost.TextRequest(), key: "test-key-nobody-has");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await EmulatorTestHost.ReadJsonAsync(response);
        JsonShape.AssertSame(Fixture("err-400_INVALID_ARGUMENT_API_KEY_INVALID.json"), body, ordered: true);
        Assert.Equal("API_KEY_INVALID", (string?)body["error"]!["details"]![0]!["reason"]);
    }

    [Fact]
    public async Task MissingKey_MatchesRecordedUnregisteredCallersBody()
    {
        using var response = await _host.GenerateAsync(EmulatorTestHost.TextRequest(), key: null);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var body = await EmulatorTestHost.ReadJsonAsync(response);
        Assert.True(JsonNode.DeepEquals(Fixture("err-403_PERMISSION_DENIED_unregistered-callers-no-key.json"), body), body.ToJsonString());
    }

    [Fact]
    public async Task UnknownModel_MatchesRecorded404Exactly()
    {
        using var response = await _host.GenerateAsync(EmulatorTestHost.TextRequest(), model: "wrong-model-name");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var body = await EmulatorTestHost.ReadJsonAsync(response);
        var fixture = Fixture("err-404_NOT_FOUND_model-not-found_v1beta.json");
        JsonShape.AssertSame(fixture, body, ordered: false);
        Assert.Equal((string?)fixture["error"]!["message"], (string?)body["error"]!["message"]);
        Assert.Equal((string?)fixture["error"]!["details"]![0]!["detail"], (string?)body["error"]!["details"]![0]!["detail"]);
    }

    [Fact]
    public async Task InputTokensOverPerMinuteQuota_MatchesRecorded429Shape()
    {
        using var response = await _host.GenerateAsync(EmulatorTestHost.TextRequest(new string('x', 200)), key: EmulatorTestHost.KeyB1);

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        var body = await EmulatorTestHost.ReadJsonAsync(response);
        var fixture = Fixture("err-429_RESOURCE_EXHAUSTED_free-tier-TPM_2025-06_QuotaFailure-Help-RetryInfo.json");
        JsonShape.AssertSame(fixture, body, ordered: true);
        var violation = body["error"]!["details"]![0]!["violations"]![0]!;
        Assert.Equal((string?)fixture["error"]!["details"]![0]!["violations"]![0]!["quotaId"], (string?)violation["quotaId"]);
        Assert.Equal((string?)fixture["error"]!["details"]![0]!["violations"]![0]!["quotaMetric"], (string?)violation["quotaMetric"]);
        Assert.Equal("10", (string?)violation["quotaValue"]);
        Assert.Equal((string?)fixture["error"]!["message"], (string?)body["error"]!["message"]);
    }

    [Fact]
    public async Task PayloadOverLimit_MatchesRecorded400WithConfiguredLimit()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.MaxRequestBytes = 1024);

        using var response = await host.GenerateAsync(EmulatorTestHost.TextRequest(new string('x', 2048)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await EmulatorTestHost.ReadJsonAsync(response);
        JsonShape.AssertSame(Fixture("err-400_INVALID_ARGUMENT_request-payload-size-exceeds-limit.json"), body, ordered: true);
        Assert.Equal("Request payload size exceeds the limit: 1024 bytes.", (string?)body["error"]!["message"]);
    }

    [Theory]
    [InlineData(EmulatorFaultKind.Internal, "err-500_INTERNAL.json")]
    [InlineData(EmulatorFaultKind.Unavailable, "err-503_UNAVAILABLE_model-overloaded.json")]
    public async Task ServerFault_MatchesRecordedBodyExactly(EmulatorFaultKind kind, string fixture)
    {
        _host.Emulator.InjectFault(kind, keyId: "a-2");

        using var response = await _host.GenerateAsync(EmulatorTestHost.TextRequest(), key: EmulatorTestHost.KeyA2);

        var expected = Fixture(fixture);
        Assert.Equal((int)expected["error"]!["code"]!, (int)response.StatusCode);
        Assert.True(JsonNode.DeepEquals(expected, await EmulatorTestHost.ReadJsonAsync(response)));
    }

    [Fact]
    public async Task BasicReplyWithSafetySettings_MatchesRecordedWireOrder()
    {
        var request = EmulatorTestHost.TextRequest("Where is Google headquartered?");
        request["safetySettings"] = new JsonArray { new JsonObject { ["category"] = "HARM_CATEGORY_HATE_SPEECH", ["threshold"] = "BLOCK_LOW_AND_ABOVE" } };

        using var response = await _host.GenerateAsync(request, model: "gemini-2.0-flash");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The FTD capture predates responseId.
        JsonShape.AssertSame(Fixture("gc-200_basic-reply_safetyRatings_avgLogprobs_gemini-2.0-flash.response.json"), await EmulatorTestHost.ReadJsonAsync(response), ordered: true, "responseId");
    }

    [Fact]
    public async Task SafetySettingsRequest_MatchesRecordedResponseKeys()
    {
        using var response = await _host.PostRawAsync("v1beta/models/gemini-2.0-flash:generateContent", SharedData.ReadGeminiFixture("gc-200_safetySettings_gemini-2.0-flash.request.json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonShape.AssertSame(Fixture("gc-200_safetySettings_gemini-2.0-flash.response.json"), await EmulatorTestHost.ReadJsonAsync(response), ordered: false);
    }

    [Fact]
    public async Task SafetyFault_MatchesRecordedFinishReasonSafetyWireOrder()
    {
        _host.Emulator.InjectFault(EmulatorFaultKind.Safety, keyId: "a-2");

        using var response = await _host.GenerateAsync(EmulatorTestHost.TextRequest(), model: "gemini-2.0-flash", key: EmulatorTestHost.KeyA2);

        var body = await EmulatorTestHost.ReadJsonAsync(response);
        // "blocked" marks the offending category in real SAFETY stops; the FTD capture's text was edited.
        JsonShape.AssertSame(Fixture("gc-200_finishReason-SAFETY_gemini-2.0-flash.response.json"), body, ordered: true, "responseId", "blocked");
        Assert.Equal("SAFETY", (string?)body["candidates"]![0]!["finishReason"]);
    }

    [Fact]
    public async Task MaxOutputTokensRequest_MatchesRecordedMaxTokensResponse()
    {
        using var response = await _host.PostRawAsync("v1beta/models/gemini-2.0-flash:generateContent", SharedData.ReadGeminiFixture("gc-200_generationConfig_finishReason-MAX_TOKENS_gemini-2.0-flash.request.json"));

        var body = await EmulatorTestHost.ReadJsonAsync(response);
        JsonShape.AssertSame(Fixture("gc-200_generationConfig_finishReason-MAX_TOKENS_gemini-2.0-flash.response.json"), body, ordered: false);
        Assert.Equal("MAX_TOKENS", (string?)body["candidates"]![0]!["finishReason"]);
        Assert.Equal(100, (int)body["usageMetadata"]!["candidatesTokenCount"]!);
    }

    [Fact]
    public async Task StructuredJsonRequest_MatchesRecordedResponseAndAnswersNulls()
    {
        using var response = await _host.PostRawAsync("v1beta/models/gemini-2.0-flash:generateContent", SharedData.ReadGeminiFixture("gc-200_structured-json_responseSchema_gemini-2.0-flash.request.json"));

        var body = await EmulatorTestHost.ReadJsonAsync(response);
        JsonShape.AssertSame(Fixture("gc-200_structured-json_responseSchema_gemini-2.0-flash.response.json"), body, ordered: false);
        Assert.Equal(
            "{\n  \"title\": null,\n  \"population\": null,\n  \"capital\": null,\n  \"continent\": null,\n  \"language\": null\n}",
            (string?)body["candidates"]![0]!["content"]!["parts"]![0]!["text"]);
    }

    [Fact]
    public async Task SystemInstructionRequest_MatchesRecordedResponseAndCountsInstructionAsText()
    {
        using var response = await _host.PostRawAsync("v1beta/models/gemini-2.0-flash:generateContent", SharedData.ReadGeminiFixture("gc-200_systemInstruction_gemini-2.0-flash.request.json"));

        var body = await EmulatorTestHost.ReadJsonAsync(response);
        JsonShape.AssertSame(Fixture("gc-200_systemInstruction_gemini-2.0-flash.response.json"), body, ordered: false);
        // "high" = 1 token; "I say high you say low." = 6 words and a full stop: 8, exactly the recorded count.
        Assert.Equal(8, (int)body["usageMetadata"]!["promptTokenCount"]!);
    }

    [Fact]
    public async Task ImageFileDataRequest_MatchesRecordedResponseKeys()
    {
        var file = await _host.UploadAsync(SharedData.ReadInvoice("sroie/img/000.jpg"), "image/jpeg");
        var request = Fixture("gc-200_image-fileData_gemini-2.5-flash_IMAGE258_implicit-cache_thoughts.request.json");
        request["contents"]![0]!["parts"]![1]!["fileData"]!["fileUri"] = (string?)file["uri"];

        using var response = await _host.GenerateAsync(request, model: "gemini-2.5-flash");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await EmulatorTestHost.ReadJsonAsync(response);
        // The emulator has no implicit cache and does not think; turnToken is an undocumented 2026 addition.
        JsonShape.AssertSame(
            Fixture("gc-200_image-fileData_gemini-2.5-flash_IMAGE258_implicit-cache_thoughts.response.json"),
            body,
            ordered: false,
            "cachedContentTokenCount",
            "cacheTokensDetails",
            "thoughtsTokenCount",
            "turnToken");
        var details = body["usageMetadata"]!["promptTokensDetails"]!.AsArray();
        Assert.Equal("TEXT", (string?)details[0]!["modality"]);
        Assert.Equal("IMAGE", (string?)details[1]!["modality"]);
        Assert.Equal(8 * 258, (int)details[1]!["tokenCount"]!); // 463×1013: u = 308 → 2 × 4 tiles.
    }

    [Fact]
    public async Task FileGet_MatchesRecordedFileResource()
    {
        var file = await _host.UploadAsync(SharedData.ReadInvoice("sroie/img/000.jpg"), "image/jpeg");
        var name = (string)file["name"]!;

        using var response = await _host.SendAsync(HttpMethod.Get, "v1beta/" + name);

        var body = await EmulatorTestHost.ReadJsonAsync(response);
        // Uploaded (not registered) files also carry displayName and sha256Hash.
        JsonShape.AssertSame(Fixture("files-get_200_active-registered-image.response.json"), body, ordered: false, "displayName", "sha256Hash");
        Assert.Equal("98120", (string?)body["sizeBytes"]);
        Assert.Equal("ACTIVE", (string?)body["state"]);
    }

    [Fact]
    public async Task CountTokens_MatchesRecordedShapeWithoutVertexOnlyField()
    {
        var request = EmulatorTestHost.DocumentRequest("image/png", SharedData.ReadInvoice("invoice2data/AmazonWebServices.png"), "Describe this image in one short sentence please.");

        using var response = await _host.PostAsync("v1beta/models/gemini-2.5-flash:countTokens", request);

        var body = await EmulatorTestHost.ReadJsonAsync(response);
        JsonShape.AssertSame(Fixture("countTokens-200_IMAGE1806_vertex-shape.response.json"), body, ordered: true, "totalBillableCharacters");
        Assert.Null(body["totalBillableCharacters"]);
    }

    [Fact]
    public async Task PdfOn25ProWithThinking_UsageMatchesRecordedDocumentUsage()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.Models.Add(new EmulatorModelOptions { Id = "gemini-2.5-pro", ThoughtsTokens = 300 }));
        var request = EmulatorTestHost.DocumentRequest("application/pdf", SharedData.ReadInvoice("invoice2data/QualityHosting.pdf"));

        using var response = await host.GenerateAsync(request, model: "gemini-2.5-pro");

        var usage = (await EmulatorTestHost.ReadJsonAsync(response))["usageMetadata"]!;
        // serviceTier is a 2026 addition the emulator does not report.
        JsonShape.AssertSame(Fixture("usage-only_pdf-inline_DOCUMENT2580_gemini-2.5-pro.usageMetadata.json"), usage, ordered: true, "serviceTier");
        Assert.Equal(300, (int)usage["thoughtsTokenCount"]!);
        Assert.Equal((int)usage["promptTokenCount"]! + (int)usage["candidatesTokenCount"]! + 300, (int)usage["totalTokenCount"]!);
        var entry = Assert.Single(host.Ledger.Entries);
        Assert.Equal(300, entry.ThoughtsTokenCount);
        Assert.Equal((int)usage["totalTokenCount"]!, entry.TotalTokenCount);
        Assert.Equal("DOCUMENT", (string?)usage["promptTokensDetails"]![1]!["modality"]);
        Assert.Equal(516, (int)usage["promptTokensDetails"]![1]!["tokenCount"]!);
    }

    /// <summary>Answers the recorded "Why is the sky blue?" request with a long text, so maxOutputTokens cuts it.</summary>
    private sealed class LongAnswerForSkyQuestion : IEmulatorAnswerSource
    {
        public ValueTask<string?> GetAnswerAsync(EmulatorAnswerRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(request.PromptText == "Why is the sky blue?" && request.Documents.Count == 0
                ? string.Concat(Enumerable.Repeat("Sunlight scatters off air molecules. ", 40))
                : null);
    }
}
