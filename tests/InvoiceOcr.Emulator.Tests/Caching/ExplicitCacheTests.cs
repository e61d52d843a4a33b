using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Emulator.Tests.Caching;

public sealed class ExplicitCacheTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-01-05T10:00:00Z", CultureInfo.InvariantCulture);

    // 1,600 TEXT tokens: over gemini-2.5-flash's 1,024 minimum.
    private static readonly string Manual = string.Concat(Enumerable.Repeat("Extract every invoice field exactly as printed. ", 200));

    private static JsonObject CacheBody(string text, string model = "models/gemini-2.5-flash", string ttl = "3600s") => new()
    {
        ["model"] = model,
        ["displayName"] = "invoice manual",
        ["contents"] = new JsonArray { new JsonObject { ["role"] = "user", ["parts"] = new JsonArray { new JsonObject { ["text"] = text } } } },
        ["ttl"] = ttl,
    };

    private static async Task<JsonObject> CreateAsync(EmulatorTestHost host, JsonObject body)
    {
        using var response = await host.PostAsync("v1beta/cachedContents", body);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await EmulatorTestHost.ReadJsonAsync(response);
    }

    [Fact]
    public async Task Lifecycle_CreateGetListPatchDelete_BillsStoragePerHour()
    {
        var time = new FakeTimeProvider(Start);
        await using var host = await EmulatorTestHost.StartAsync(time: time);

        var created = await CreateAsync(host, CacheBody(Manual));
        var name = (string)created["name"]!;
        Assert.StartsWith("cachedContents/", name, StringComparison.Ordinal);
        Assert.Equal("models/gemini-2.5-flash", (string?)created["model"]);
        Assert.Equal(1600, (int)created["usageMetadata"]!["totalTokenCount"]!);
        Assert.Equal("2026-01-05T11:00:00Z", (string?)created["expireTime"]);

        using var got = await host.SendAsync(HttpMethod.Get, "v1beta/" + name);
        Assert.Equal(name, (string?)(await EmulatorTestHost.ReadJsonAsync(got))["name"]);
        using var listed = await host.SendAsync(HttpMethod.Get, "v1beta/cachedContents");
        Assert.Equal(name, (string?)(await EmulatorTestHost.ReadJsonAsync(listed))["cachedContents"]![0]!["name"]);
        using var otherProject = await host.SendAsync(HttpMethod.Get, "v1beta/" + name, EmulatorTestHost.KeyB1);
        Assert.Equal(HttpStatusCode.Forbidden, otherProject.StatusCode);

        time.Advance(TimeSpan.FromMinutes(30));
        using var patch = new HttpRequestMessage(HttpMethod.Patch, "v1beta/" + name) { Content = new StringContent("{\"ttl\":\"7200s\"}", System.Text.Encoding.UTF8, "application/json") };
        patch.Headers.Add("x-goog-api-key", EmulatorTestHost.KeyA1);
        using var patched = await host.Http.SendAsync(patch, TestContext.Current.CancellationToken);
        Assert.Equal("2026-01-05T12:30:00Z", (string?)(await EmulatorTestHost.ReadJsonAsync(patched))["expireTime"]);

        time.Advance(TimeSpan.FromMinutes(60));
        using var deleted = await host.SendAsync(HttpMethod.Delete, "v1beta/" + name);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        using var gone = await host.SendAsync(HttpMethod.Get, "v1beta/" + name);
        Assert.Equal(HttpStatusCode.Forbidden, gone.StatusCode);

        var storage = Assert.Single(host.Ledger.CacheStorage);
        Assert.Equal(name, storage.CacheName);
        Assert.Equal(1600 * 1.5, storage.TokenHours, 6); // 1,400 tokens for 90 minutes.
        Assert.Empty(host.Ledger.Entries); // Creating a cache is not a billed model call.
    }

    [Fact]
    public async Task Expiry_RemovesTheCacheAndBillsStorageUntilItsExpireTime()
    {
        var time = new FakeTimeProvider(Start);
        await using var host = await EmulatorTestHost.StartAsync(time: time);
        var name = (string)(await CreateAsync(host, CacheBody(Manual, ttl: "600s")))["name"]!;

        time.Advance(TimeSpan.FromHours(3));
        using var generate = await host.GenerateAsync(new JsonObject { ["cachedContent"] = name, ["contents"] = EmulatorTestHost.TextRequest()["contents"]!.DeepClone() });

        Assert.Equal(HttpStatusCode.Forbidden, generate.StatusCode);
        Assert.Equal("CachedContent not found (or permission denied)", (string?)(await EmulatorTestHost.ReadJsonAsync(generate))["error"]!["message"]);
        Assert.Equal(1600 * (10 / 60.0), Assert.Single(host.Ledger.CacheStorage).TokenHours, 6);
    }

    [Fact]
    public async Task Generate_WithCachedContent_PromptIncludesCacheBilledAsCached()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        var name = (string)(await CreateAsync(host, CacheBody(Manual)))["name"]!;
        var request = EmulatorTestHost.TextRequest("Why is the sky blue?");
        request["cachedContent"] = name;

        using var response = await host.GenerateAsync(request);
        var usage = (await EmulatorTestHost.ReadJsonAsync(response))["usageMetadata"]!;

        Assert.Equal(1600 + 6, (int)usage["promptTokenCount"]!);
        Assert.Equal(1600, (int)usage["cachedContentTokenCount"]!);
        Assert.Equal(1600, (int)usage["cacheTokensDetails"]![0]!["tokenCount"]!);
        var entry = Assert.Single(host.Ledger.Entries);
        Assert.Equal(1600, entry.CachedContentTokenCount);
        Assert.Equal(1606, entry.PromptTokenCount);
    }

    [Fact]
    public async Task Errors_TooSmallUnknownWrongModelOrSystemInstruction_GoogleShapes()
    {
        await using var host = await EmulatorTestHost.StartAsync();

        using var small = await host.PostAsync("v1beta/cachedContents", CacheBody("Too short to cache."));
        var smallError = (await EmulatorTestHost.ReadJsonAsync(small))["error"]!;
        Assert.Equal(HttpStatusCode.BadRequest, small.StatusCode);
        Assert.Equal("Cached content is too small. total_token_count=5, min_total_token_count=1024", (string?)smallError["message"]);

        var name = (string)(await CreateAsync(host, CacheBody(Manual)))["name"]!;
        var unknown = EmulatorTestHost.TextRequest();
        unknown["cachedContent"] = "cachedContents/doesnotexist";
        using var unknownResponse = await host.GenerateAsync(unknown);
        Assert.Equal(HttpStatusCode.Forbidden, unknownResponse.StatusCode);
        Assert.Equal("PERMISSION_DENIED", (string?)(await EmulatorTestHost.ReadJsonAsync(unknownResponse))["error"]!["status"]);

        var otherModel = EmulatorTestHost.TextRequest();
        otherModel["cachedContent"] = name;
        using var otherModelResponse = await host.GenerateAsync(otherModel, "gemini-2.5-flash-lite");
        Assert.Equal(HttpStatusCode.BadRequest, otherModelResponse.StatusCode);

        var withSystem = EmulatorTestHost.TextRequest();
        withSystem["cachedContent"] = name;
        withSystem["systemInstruction"] = new JsonObject { ["parts"] = new JsonArray { new JsonObject { ["text"] = "x" } } };
        using var withSystemResponse = await host.GenerateAsync(withSystem);
        Assert.Equal(HttpStatusCode.BadRequest, withSystemResponse.StatusCode);
        Assert.Empty(host.Ledger.Entries);
    }
}
