using System.Text.Json;
using System.Text.Json.Nodes;
using InvoiceOcr.Sdk.Gemini;

namespace InvoiceOcr.Sdk.Tests.Gemini;

/// <summary>The wire body of a general request (<see cref="GeminiClient.BuildContentsRequest"/>), as the service expects it.</summary>
public sealed class GeminiClientGeneralRequestTests
{
    [Fact]
    public void BuildContentsRequest_TurnsInstructionSchemaAndSettings_SerializedAsGeminiExpects()
    {
        var schema = JsonNode.Parse("""{"type":"object","properties":{"kind":{"type":"string"}}}""")!.AsObject();
        var request = new GeminiGenerateRequest(
            [
                new ModelContent(ModelRole.User, [ModelPart.FromText("Hi"), ModelPart.FromData(new byte[] { 1, 2, 3 }, "image/png")]),
                new ModelContent(ModelRole.Model, [ModelPart.FromText("Hello")]),
            ],
            "Be brief.",
            schema)
        {
            MaxOutputTokens = 100,
            Temperature = 0.7,
            TopP = 0.9,
            TopK = 40,
            StopSequences = ["END"],
            Seed = 5,
        };

        var body = JsonNode.Parse(JsonSerializer.SerializeToUtf8Bytes(
            GeminiClient.BuildContentsRequest(request, request.Contents!, new GeminiOptions()), GeminiJsonContext.Default.GeminiGenerateContentRequest))!;

        Assert.Equal("Be brief.", (string)body["systemInstruction"]!["parts"]![0]!["text"]!);
        Assert.Equal("user", (string)body["contents"]![0]!["role"]!);
        Assert.Equal("Hi", (string)body["contents"]![0]!["parts"]![0]!["text"]!);
        Assert.Equal("AQID", (string)body["contents"]![0]!["parts"]![1]!["inlineData"]!["data"]!);
        Assert.Equal("image/png", (string)body["contents"]![0]!["parts"]![1]!["inlineData"]!["mimeType"]!);
        Assert.Equal("model", (string)body["contents"]![1]!["role"]!);
        var config = body["generationConfig"]!;
        Assert.Equal((100, 0.7, 0.9, 40, 5), ((int)config["maxOutputTokens"]!, (double)config["temperature"]!, (double)config["topP"]!, (int)config["topK"]!, (int)config["seed"]!));
        Assert.Equal("END", (string)config["stopSequences"]![0]!);
        Assert.Equal("application/json", (string)config["responseMimeType"]!);
        Assert.True(JsonNode.DeepEquals(schema, config["responseJsonSchema"]));
    }

    [Fact]
    public void BuildContentsRequest_NoSchemaNoJsonNoInstruction_PlainTextWithTheOptionsDefaults()
    {
        var request = new GeminiGenerateRequest([new ModelContent(ModelRole.User, [ModelPart.FromText("Hi")])], null, null);
        var options = new GeminiOptions { MaxOutputTokens = 321, Temperature = 0.2 };

        var body = GeminiClient.BuildContentsRequest(request, request.Contents!, options);

        Assert.Null(body.SystemInstruction);
        Assert.Null(body.GenerationConfig!.ResponseMimeType);
        Assert.Null(body.GenerationConfig.ResponseJsonSchema);
        Assert.Equal((321, 0.2), (body.GenerationConfig.MaxOutputTokens, body.GenerationConfig.Temperature));
    }

    [Fact]
    public void ForAttempt_GeneralRequest_KeepsItsTurnsAndSettingsWithTheAttemptsCap()
    {
        var request = new GeminiGenerateRequest([new ModelContent(ModelRole.User, [ModelPart.FromText("Hi")])], "Be brief.", null)
        {
            Model = "gemini-2.5-pro",
            JsonResponse = true,
            TopK = 3,
            MaxOutputTokens = 500,
        };

        var attempt = request.ForAttempt(200, "op#1");
        var unchanged = request.ForAttempt(null, "op#2");

        Assert.Same(request.Contents, attempt.Contents);
        Assert.Equal(("gemini-2.5-pro", true, 3, "Be brief.", 200, "op#1"), (attempt.Model, attempt.JsonResponse, attempt.TopK, attempt.SystemInstruction, attempt.MaxOutputTokens, attempt.AttemptId));
        Assert.Equal(500, unchanged.MaxOutputTokens);
    }
}
