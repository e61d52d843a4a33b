using System.Net;
using System.Text.Json.Nodes;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Emulator.Tests.Tokens;

/// <summary>Token counts the emulator reports over HTTP for real corpus files.</summary>
public sealed class TokenAccountingTests : IAsyncLifetime
{
    private EmulatorTestHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EmulatorTestHost.StartAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private async Task<JsonArray> PromptDetailsAsync(string file, string mime, string model)
    {
        using var response = await _host.PostAsync($"v1beta/models/{model}:countTokens", EmulatorTestHost.DocumentRequest(mime, SharedData.ReadInvoice(file), "abcd"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await EmulatorTestHost.ReadJsonAsync(response);
        var details = body["promptTokensDetails"]!.AsArray();
        Assert.Equal((int)body["totalTokens"]!, details.Sum(d => (int)d!["tokenCount"]!));
        return details;
    }

    [Theory]
    [InlineData("invoice2data/QualityHosting.pdf", "gemini-2.5-flash", "DOCUMENT", 516)]
    [InlineData("edge/merge-implicit-ranges.pdf", "gemini-2.0-flash", "DOCUMENT", 51 * 258)]
    [InlineData("edge/poppler-67295-0.pdf", "gemini-2.5-pro", "DOCUMENT", 258)]
    [InlineData("invoice2data/QualityHosting.pdf", "gemini-3-pro-preview", "IMAGE", 516)]
    public async Task Pdf_Counts258PerRealPageWithModalityByModelFamily(string file, string model, string modality, int tokens)
    {
        var details = await PromptDetailsAsync(file, "application/pdf", model);

        Assert.Equal("TEXT", (string?)details[0]!["modality"]);
        Assert.Equal(1, (int)details[0]!["tokenCount"]!);
        Assert.Equal(modality, (string?)details[1]!["modality"]);
        Assert.Equal(tokens, (int)details[1]!["tokenCount"]!);
    }

    [Theory]
    [InlineData("invoice2data/AmazonWebServices.png", "image/png", 4 * 258)]
    [InlineData("sroie/img/000.jpg", "image/jpeg", 8 * 258)]
    public async Task Image_CountsTiles(string file, string mime, int tokens)
    {
        var details = await PromptDetailsAsync(file, mime, "gemini-2.5-flash");

        Assert.Equal("IMAGE", (string?)details[1]!["modality"]);
        Assert.Equal(tokens, (int)details[1]!["tokenCount"]!);
    }

    [Theory]
    [InlineData("edge/empty.pdf")]
    [InlineData("edge/corrupt-factur-x-waytoosmall.pdf")]
    [InlineData("edge/encrypted-password-is-password.pdf")]
    public async Task UnreadablePdf_Gets400NoPages(string file)
    {
        using var response = await _host.GenerateAsync(EmulatorTestHost.DocumentRequest("application/pdf", SharedData.ReadInvoice(file)));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("The document has no pages.", (string?)(await EmulatorTestHost.ReadJsonAsync(response))["error"]!["message"]);
        Assert.Equal(0, _host.Ledger.Count);
    }

    [Fact]
    public async Task Generate_TotalIsPromptPlusCandidatesAndOutputFollowsTextRule()
    {
        using var response = await _host.GenerateAsync(EmulatorTestHost.DocumentRequest("application/pdf", SharedData.ReadInvoice("invoice2data/QualityHosting.pdf")));

        var body = await EmulatorTestHost.ReadJsonAsync(response);
        var usage = body["usageMetadata"]!;
        var text = (string)body["candidates"]![0]!["content"]!["parts"]![0]!["text"]!;
        Assert.Equal(InvoiceOcr.Sdk.GeminiTokenRules.EstimateTextTokens(text), (int)usage["candidatesTokenCount"]!);
        Assert.Equal((int)usage["promptTokenCount"]! + (int)usage["candidatesTokenCount"]!, (int)usage["totalTokenCount"]!);
        Assert.Equal(516 + 4, (int)usage["promptTokenCount"]!); // "Extract the invoice." = 3 words and a full stop.
    }

    [Fact]
    public async Task ResponseSchema_CountsAsTextPromptTokens()
    {
        var schema = new JsonObject { ["type"] = "OBJECT", ["properties"] = new JsonObject { ["total"] = new JsonObject { ["type"] = "NUMBER" } } };
        var request = EmulatorTestHost.TextRequest("abcd");
        request["generationConfig"] = new JsonObject { ["responseMimeType"] = "application/json", ["responseSchema"] = schema };

        request["model"] = "models/gemini-2.5-flash";
        using var response = await _host.PostAsync("v1beta/models/gemini-2.5-flash:countTokens", new JsonObject { ["generateContentRequest"] = request });

        var expected = 1 + (1 + 2 + (1 + 2 + 1)); // "abcd"; root type, property list, "total" + 2 + its type.
        Assert.Equal(expected, (int)(await EmulatorTestHost.ReadJsonAsync(response))["totalTokens"]!);
    }
}
