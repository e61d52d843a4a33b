using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Emulator.Tests.Caching;

public sealed class ImplicitCacheTests
{
    // ~1,200 tokens of constant system instruction: above gemini-2.5-flash's 1,024-token minimum.
    private static readonly string LongInstruction = string.Concat(Enumerable.Repeat("Extract every invoice field exactly as printed. ", 100));

    private static JsonObject Request(string question, string instruction)
    {
        var request = EmulatorTestHost.TextRequest(question);
        request["systemInstruction"] = new JsonObject { ["parts"] = new JsonArray { new JsonObject { ["text"] = instruction } } };
        return request;
    }

    private static async Task<JsonObject> UsageAsync(EmulatorTestHost host, JsonObject request, string model = "gemini-2.5-flash", string key = EmulatorTestHost.KeyA1)
    {
        using var response = await host.GenerateAsync(request, model, key);
        return (JsonObject)(await EmulatorTestHost.ReadJsonAsync(response))["usageMetadata"]!;
    }

    [Fact]
    public async Task RepeatedPrefix_SameProjectAndModel_BilledAsCachedWithDetails()
    {
        await using var host = await EmulatorTestHost.StartAsync();

        var first = await UsageAsync(host, Request("Invoice one?", LongInstruction));
        var second = await UsageAsync(host, Request("Invoice two?", LongInstruction), key: EmulatorTestHost.KeyA2); // Same project, other key.

        Assert.Null(first["cachedContentTokenCount"]);
        var instructionTokens = (int)first["promptTokenCount"]! - (int)(await UsageAsync(host, EmulatorTestHost.TextRequest("Invoice one?"), "gemini-2.0-flash"))["promptTokenCount"]!;
        Assert.Equal(instructionTokens, (int)second["cachedContentTokenCount"]!);
        Assert.Equal("TEXT", (string?)second["cacheTokensDetails"]![0]!["modality"]);
        Assert.Equal(instructionTokens, (int)second["cacheTokensDetails"]![0]!["tokenCount"]!);
        var entry = host.Ledger.Entries[1];
        Assert.Equal(instructionTokens, entry.CachedContentTokenCount);
        Assert.Equal(instructionTokens, entry.CachedTokensByModality["TEXT"]);
        Assert.Equal(instructionTokens, host.Ledger.TotalsByProject()["project-a"].CachedTokens);
    }

    [Fact]
    public async Task OtherProject_OtherModel_ShortPrefix_Legacy_OrExpired_NotCached()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-05T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var host = await EmulatorTestHost.StartAsync(time: time);
        await UsageAsync(host, Request("q1", LongInstruction));

        Assert.Null((await UsageAsync(host, Request("q2", LongInstruction), key: EmulatorTestHost.KeyB1))["cachedContentTokenCount"]); // Other project.
        Assert.Null((await UsageAsync(host, Request("q2", LongInstruction), "gemini-2.5-pro"))["cachedContentTokenCount"]); // Other model (and below Pro's 4,096).
        await UsageAsync(host, Request("q1", "Short instruction."));
        Assert.Null((await UsageAsync(host, Request("q2", "Short instruction.")))["cachedContentTokenCount"]); // Under the minimum.
        await UsageAsync(host, Request("q1", LongInstruction), "gemini-2.0-flash");
        Assert.Null((await UsageAsync(host, Request("q2", LongInstruction), "gemini-2.0-flash"))["cachedContentTokenCount"]); // 2.0 has no implicit caching.

        time.Advance(TimeSpan.FromMinutes(6));
        Assert.Null((await UsageAsync(host, Request("q3", LongInstruction)))["cachedContentTokenCount"]); // The window passed.
        Assert.NotNull((await UsageAsync(host, Request("q4", LongInstruction)))["cachedContentTokenCount"]); // Seen again just now.
    }

    [Fact]
    public async Task ImplicitCachingOff_ForAModel_NeverCaches()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.Models.Add(new EmulatorModelOptions { Id = "gemini-2.5-flash", ImplicitCaching = false }));

        await UsageAsync(host, Request("q1", LongInstruction));
        Assert.Null((await UsageAsync(host, Request("q2", LongInstruction)))["cachedContentTokenCount"]);
    }
}
