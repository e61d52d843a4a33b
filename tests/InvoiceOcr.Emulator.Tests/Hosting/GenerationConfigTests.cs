using System.Net;
using System.Text.Json.Nodes;

namespace InvoiceOcr.Emulator.Tests.Hosting;

public sealed class GenerationConfigTests : IAsyncLifetime
{
    private EmulatorTestHost _host = null!;

    public async ValueTask InitializeAsync() => _host = await EmulatorTestHost.StartAsync();

    public ValueTask DisposeAsync() => _host.DisposeAsync();

    private static JsonObject Request(JsonObject config)
    {
        var request = EmulatorTestHost.TextRequest();
        request["generationConfig"] = config;
        return request;
    }

    [Fact]
    public async Task CandidateCount_ReturnsThatManyIndexedCandidates_BillsEachOne()
    {
        using var one = await _host.GenerateAsync(EmulatorTestHost.TextRequest());
        using var three = await _host.GenerateAsync(Request(new JsonObject { ["candidateCount"] = 3 }));
        var single = (int)(await EmulatorTestHost.ReadJsonAsync(one))["usageMetadata"]!["candidatesTokenCount"]!;
        var body = await EmulatorTestHost.ReadJsonAsync(three);

        Assert.Equal([0, 1, 2], body["candidates"]!.AsArray().Select(c => (int)c!["index"]!));
        Assert.Equal(3 * single, (int)body["usageMetadata"]!["candidatesTokenCount"]!);
        Assert.Equal(3 * single, _host.Ledger.Entries[^1].CandidatesTokenCount);
    }

    [Fact]
    public async Task CandidateCount_OutOfRange_400()
    {
        using var response = await _host.GenerateAsync(Request(new JsonObject { ["candidateCount"] = 9 }));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task StopSequences_AnswerEndsBeforeTheFirst_TooManyRejected()
    {
        using var stopped = await _host.GenerateAsync(Request(new JsonObject { ["stopSequences"] = new JsonArray { "answer" } }));
        using var tooMany = await _host.GenerateAsync(Request(new JsonObject { ["stopSequences"] = new JsonArray { "a", "b", "c", "d", "e", "f" } }));

        var body = await EmulatorTestHost.ReadJsonAsync(stopped);
        Assert.Equal("The Gemini emulator has no ", (string?)body["candidates"]![0]!["content"]!["parts"]![0]!["text"]);
        Assert.Equal("STOP", (string?)body["candidates"]![0]!["finishReason"]);
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
    }

    [Fact]
    public async Task Answers_CarryGoogleHeaders_AndTheServiceTier()
    {
        var request = EmulatorTestHost.TextRequest();
        request["serviceTier"] = "FLEX";
        using var response = await _host.GenerateAsync(request);

        Assert.Equal("scaffolding on HTTPServer2", response.Headers.Server.ToString());
        Assert.Equal("SAMEORIGIN", Assert.Single(response.Headers.GetValues("X-Frame-Options")));
        Assert.StartsWith("gfet4t7; dur=", Assert.Single(response.Headers.GetValues("Server-Timing")), StringComparison.Ordinal);
        Assert.Equal("flex", Assert.Single(response.Headers.GetValues("X-Gemini-Service-Tier")));
        Assert.Equal("flex", _host.Ledger.Entries[^1].ServiceTier);
    }
}
