using System.Net;
using System.Text.Json.Nodes;

namespace InvoiceOcr.Emulator.Tests.Hosting;

public sealed class ThinkingTests
{
    private static Task<EmulatorTestHost> StartAsync() =>
        EmulatorTestHost.StartAsync(o =>
        {
            o.Models.Add(new EmulatorModelOptions { Id = "gemini-2.5-flash", ThoughtsTokens = 300 });
            o.Models.Add(new EmulatorModelOptions { Id = "gemini-2.5-pro", ThoughtsTokens = 500 });
        });

    private static JsonObject Request(JsonObject thinkingConfig)
    {
        var request = EmulatorTestHost.TextRequest();
        request["generationConfig"] = new JsonObject { ["thinkingConfig"] = thinkingConfig };
        return request;
    }

    [Fact]
    public async Task ThinkingBudgetZero_NoThoughtsBilled()
    {
        await using var host = await StartAsync();

        using var response = await host.GenerateAsync(Request(new JsonObject { ["thinkingBudget"] = 0 }));
        var body = await EmulatorTestHost.ReadJsonAsync(response);

        Assert.Null(body["usageMetadata"]!["thoughtsTokenCount"]);
        Assert.Equal(0, Assert.Single(host.Ledger.Entries).ThoughtsTokenCount);
    }

    [Fact]
    public async Task ThinkingBudget_CapsThoughts_DefaultBillsTheModelsThoughts()
    {
        await using var host = await StartAsync();

        using var capped = await host.GenerateAsync(Request(new JsonObject { ["thinkingBudget"] = 120 }));
        using var dynamic = await host.GenerateAsync(Request(new JsonObject { ["thinkingBudget"] = -1 }));

        Assert.Equal(120, (int)(await EmulatorTestHost.ReadJsonAsync(capped))["usageMetadata"]!["thoughtsTokenCount"]!);
        var usage = (await EmulatorTestHost.ReadJsonAsync(dynamic))["usageMetadata"]!;
        Assert.Equal(300, (int)usage["thoughtsTokenCount"]!);
        Assert.Equal((int)usage["promptTokenCount"]! + (int)usage["candidatesTokenCount"]! + 300, (int)usage["totalTokenCount"]!);
        Assert.Equal([120, 300], host.Ledger.Entries.Select(e => e.ThoughtsTokenCount));
    }

    [Fact]
    public async Task ThinkingBudgetZero_OnPro_Rejected()
    {
        await using var host = await StartAsync();

        using var response = await host.GenerateAsync(Request(new JsonObject { ["thinkingBudget"] = 0 }), "gemini-2.5-pro");
        var body = await EmulatorTestHost.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("Budget 0 is invalid. This model only works in thinking mode.", (string?)body["error"]!["message"]);
    }

    [Fact]
    public async Task IncludeThoughts_ThoughtPartFirst_AnswerCarriesSignature_ThoughtsNotInCandidates()
    {
        await using var host = await StartAsync();

        using var plain = await host.GenerateAsync(EmulatorTestHost.TextRequest());
        using var response = await host.GenerateAsync(Request(new JsonObject { ["includeThoughts"] = true }));
        var body = await EmulatorTestHost.ReadJsonAsync(response);

        var parts = body["candidates"]![0]!["content"]!["parts"]!.AsArray();
        Assert.Equal(2, parts.Count);
        Assert.True((bool)parts[0]!["thought"]!);
        Assert.False(string.IsNullOrEmpty((string?)parts[1]!["thoughtSignature"]));
        Assert.Null(parts[1]!["thought"]);
        var plainUsage = (await EmulatorTestHost.ReadJsonAsync(plain))["usageMetadata"]!;
        Assert.Equal((int)plainUsage["candidatesTokenCount"]!, (int)body["usageMetadata"]!["candidatesTokenCount"]!);
        Assert.Null((await EmulatorTestHost.ReadJsonAsync(plain))["candidates"]![0]!["content"]!["parts"]![0]!["thoughtSignature"]);
    }
}
