using System.Text.Json;
using System.Text.Json.Nodes;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Sdk.Tests.Gemini;

public sealed class GeminiWireModelsTests
{
    [Fact]
    public void Deserialize_RecordedStructuredRequest_ReadsResponseSchema()
    {
        var request = ReadRequest("gc-200_structured-json_responseSchema_gemini-2.0-flash.request.json");

        Assert.Equal("user", request.Contents[0].Role);
        Assert.Equal("Give me information about Australia", request.Contents[0].Parts![0].Text);
        Assert.Equal("application/json", request.GenerationConfig!.ResponseMimeType);
        var schema = request.GenerationConfig.ResponseSchema!;
        Assert.Equal("OBJECT", (string?)schema["type"]);
        Assert.Equal("INTEGER", (string?)schema["properties"]!["population"]!["type"]);
        Assert.Equal(["title", "population", "capital", "continent", "language"], schema["propertyOrdering"]!.AsArray().Select(n => (string?)n));
        Assert.Null(request.GenerationConfig.ResponseJsonSchema);
    }

    [Fact]
    public void Deserialize_RecordedFileDataRequest_ReadsFileUriAfterText()
    {
        var request = ReadRequest("gc-200_image-fileData_gemini-2.5-flash_IMAGE258_implicit-cache_thoughts.request.json");

        var parts = request.Contents[0].Parts!;
        Assert.Equal("What is in this image?", parts[0].Text);
        Assert.Equal("https://generativelanguage.googleapis.com/v1beta/files/nxsb2u1twh7m", parts[1].FileData!.FileUri);
        Assert.Equal("image/jpeg", parts[1].FileData!.MimeType);
        Assert.Null(request.GenerationConfig);
    }

    [Fact]
    public void Deserialize_RecordedGenerationConfigRequest_ReadsSamplingFields()
    {
        var config = ReadRequest("gc-200_generationConfig_finishReason-MAX_TOKENS_gemini-2.0-flash.request.json").GenerationConfig!;

        Assert.Equal(100, config.MaxOutputTokens);
        Assert.Equal(0.5, config.Temperature);
        Assert.Equal(0.9, config.TopP);
        Assert.Equal(["TEXT"], config.ResponseModalities!);
    }

    [Fact]
    public void Deserialize_RecordedSystemInstructionRequest_ReadsInstructionWithoutRole()
    {
        var request = ReadRequest("gc-200_systemInstruction_gemini-2.0-flash.request.json");

        Assert.Null(request.SystemInstruction!.Role);
        Assert.Equal("I say high you say low.", request.SystemInstruction.Parts![0].Text);
        Assert.Equal("high", request.Contents[0].Parts![0].Text);
        Assert.NotNull(request.GenerationConfig);
    }

    [Fact]
    public void Deserialize_RecordedSafetySettingsRequest_ReadsSetting()
    {
        var setting = Assert.Single(ReadRequest("gc-200_safetySettings_gemini-2.0-flash.request.json").SafetySettings!);

        Assert.Equal("HARM_CATEGORY_HATE_SPEECH", setting.Category);
        Assert.Equal("BLOCK_LOW_AND_ABOVE", setting.Threshold);
    }

    [Fact]
    public void Deserialize_RecordedFilesGet_ReadsStringSizeAndNanosecondTimes()
    {
        var file = JsonSerializer.Deserialize(SharedData.ReadGeminiFixture("files-get_200_active-registered-image.response.json"), GeminiJsonContext.Default.GeminiFile)!;

        Assert.Equal("files/nxsb2u1twh7m", file.Name);
        Assert.Equal(357568, file.SizeBytes);
        Assert.Equal("ACTIVE", file.State);
        Assert.Equal("REGISTERED", file.Source);
        Assert.Equal("image/jpeg", file.MimeType);
        Assert.Equal("https://generativelanguage.googleapis.com/v1beta/files/nxsb2u1twh7m", file.Uri);
        Assert.Equal(new DateTimeOffset(2026, 3, 6, 0, 25, 40, TimeSpan.Zero).AddTicks(2988750), file.CreateTime);
        Assert.Equal(new DateTimeOffset(2026, 4, 5, 0, 25, 40, TimeSpan.Zero).AddTicks(2190882), file.ExpirationTime);
    }

    [Fact]
    public void Deserialize_RecordedFilesRegister_ReadsFileList()
    {
        var response = JsonSerializer.Deserialize(SharedData.ReadGeminiFixture("files-register_200_gcs-image.response.json"), GeminiJsonContext.Default.GeminiRegisterFilesResponse)!;

        var file = Assert.Single(response.Files!);
        Assert.Equal("nxsb2u1twh7m", file.DisplayName);
        Assert.Equal(357568, file.SizeBytes);
        Assert.Null(file.State);
    }

    [Fact]
    public void ReadSseEvents_RecordedBasicStream_ConcatenatesTextAndLastEventHasFinalUsage()
    {
        var events = ReadSseEvents(SharedData.ReadGeminiFixture("sse-200_basic-reply-short_gemini-2.0-flash.sse.txt"))
            .Select(e => JsonSerializer.Deserialize(e, GeminiJsonContext.Default.GeminiGenerateContentResponse)!)
            .ToList();

        Assert.Equal(3, events.Count);
        Assert.Equal("The capital of Wyoming is **Cheyenne**.\n", string.Concat(events.Select(e => e.Candidates![0].Content!.Parts![0].Text)));
        Assert.Equal([null, null, "STOP"], events.Select(e => e.Candidates![0].FinishReason));
        var last = GeminiResponseReader.ToTokenUsage(events[^1].UsageMetadata!, null);
        Assert.Equal((7, 10, 17), (last.InputTokens, last.OutputTokens, last.TotalTokens));
    }

    [Theory]
    [InlineData("sse-200_simple-text_gemini-2.0-flash.chunks.json", "The capital of France is **Paris**.\n", 8, 7, 9, 16)]
    [InlineData("sse-200_structured-json_responseSchema_gemini-2.0-flash.chunks.json", "{\n  \"title\": \"Australia\",\n  \"population\": 25000000,\n  \"capital\": \"Canberra\",\n  \"continent\": \"Australia\",\n  \"language\": \"English\"\n}", 6, 33, 51, 84)]
    public void Deserialize_RecordedStreamChunks_LastChunkCarriesFinalUsage(string fixture, string text, int firstPrompt, int prompt, int output, int total)
    {
        var chunks = JsonSerializer.Deserialize(SharedData.ReadGeminiFixture(fixture), GeminiJsonContext.Default.ListGeminiGenerateContentResponse)!;

        Assert.Equal(text, string.Concat(chunks.Select(c => c.Candidates![0].Content!.Parts![0].Text)));
        Assert.Single(chunks.Select(c => c.ResponseId).Distinct());
        var last = GeminiResponseReader.ToTokenUsage(chunks[^1].UsageMetadata!, null);
        Assert.Equal((prompt, output, total), (last.InputTokens, last.OutputTokens, last.TotalTokens));
        Assert.Equal(firstPrompt, chunks[0].UsageMetadata!.PromptTokenCount); // early chunks' counts differ: only the last one is billed
    }

    [Fact]
    public void Serialize_Request_IsCamelCaseWithoutNulls()
    {
        var request = new GeminiGenerateContentRequest
        {
            SystemInstruction = new GeminiContent { Parts = [new GeminiPart { Text = "si" }] },
            Contents = [new GeminiContent { Role = "user", Parts = [new GeminiPart { FileData = new GeminiFileData { MimeType = "application/pdf", FileUri = "u" } }] }],
            GenerationConfig = new GeminiGenerationConfig { Temperature = 0, MaxOutputTokens = 5, ResponseMimeType = "application/json", ResponseJsonSchema = new JsonObject { ["type"] = "object" } },
        };

        var json = JsonSerializer.Serialize(request, GeminiJsonContext.Default.GeminiGenerateContentRequest);

        Assert.Equal(
            """{"systemInstruction":{"parts":[{"text":"si"}]},"contents":[{"role":"user","parts":[{"fileData":{"mimeType":"application/pdf","fileUri":"u"}}]}],"generationConfig":{"temperature":0,"maxOutputTokens":5,"responseMimeType":"application/json","responseJsonSchema":{"type":"object"}}}""",
            json);
    }

    internal static List<string> ReadSseEvents(string sse) =>
        sse.Split(["\r\n\r\n", "\n\n"], StringSplitOptions.RemoveEmptyEntries)
            .Select(e => e.Trim())
            .Where(e => e.StartsWith("data:", StringComparison.Ordinal))
            .Select(e => e["data:".Length..].Trim())
            .ToList();

    private static GeminiGenerateContentRequest ReadRequest(string fixture) =>
        JsonSerializer.Deserialize(SharedData.ReadGeminiFixture(fixture), GeminiJsonContext.Default.GeminiGenerateContentRequest)!;
}
