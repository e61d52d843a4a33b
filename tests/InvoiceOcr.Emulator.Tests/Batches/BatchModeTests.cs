using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Emulator.Tests.Batches;

public sealed class BatchModeTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-01-05T10:00:00Z", CultureInfo.InvariantCulture);

    private static JsonObject InlineBatch(params JsonObject[] requests) => new()
    {
        ["batch"] = new JsonObject
        {
            ["displayName"] = "invoices",
            ["inputConfig"] = new JsonObject
            {
                ["requests"] = new JsonObject
                {
                    ["requests"] = new JsonArray([.. requests.Select((r, i) => (JsonNode)new JsonObject { ["request"] = r, ["metadata"] = new JsonObject { ["key"] = "r" + i } })]),
                },
            },
        },
    };

    private static async Task<JsonObject> GetAsync(EmulatorTestHost host, string name)
    {
        using var response = await host.SendAsync(HttpMethod.Get, "v1beta/" + name);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await EmulatorTestHost.ReadJsonAsync(response);
    }

    [Fact]
    public async Task Inline_PendingRunningSucceeded_OnTheEmulatorClock_BilledAtBatchTier()
    {
        var time = new FakeTimeProvider(Start);
        await using var host = await EmulatorTestHost.StartAsync(o => o.BatchTurnaround = TimeSpan.FromHours(24), time);
        var bad = new JsonObject { ["contents"] = new JsonArray() };

        using var created = await host.PostAsync("v1beta/models/gemini-2.5-flash:batchGenerateContent", InlineBatch(EmulatorTestHost.TextRequest("Why is the sky blue?"), bad));
        var operation = await EmulatorTestHost.ReadJsonAsync(created);
        var name = (string)operation["name"]!;
        Assert.StartsWith("batches/", name, StringComparison.Ordinal);
        Assert.Equal("BATCH_STATE_PENDING", (string?)operation["metadata"]!["state"]);
        Assert.Equal("type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch", (string?)operation["metadata"]!["@type"]);
        Assert.Empty(host.Ledger.Entries);

        time.Advance(TimeSpan.FromHours(12));
        Assert.Equal("BATCH_STATE_RUNNING", (string?)(await GetAsync(host, name))["metadata"]!["state"]);

        time.Advance(TimeSpan.FromHours(12));
        var done = await GetAsync(host, name);
        Assert.Equal("BATCH_STATE_SUCCEEDED", (string?)done["metadata"]!["state"]);
        Assert.True((bool)done["done"]!);
        var responses = done["metadata"]!["output"]!["inlinedResponses"]!["inlinedResponses"]!.AsArray();
        Assert.Equal(2, responses.Count);
        Assert.Equal(6, (int)responses[0]!["response"]!["usageMetadata"]!["promptTokenCount"]!);
        Assert.Equal("r0", (string?)responses[0]!["metadata"]!["key"]);
        Assert.Equal("INVALID_ARGUMENT", (string?)responses[1]!["error"]!["status"]); // Per-request error, batch still succeeded.
        Assert.Equal("1", (string?)done["metadata"]!["batchStats"]!["failedRequestCount"]);

        var entry = Assert.Single(host.Ledger.Entries);
        Assert.Equal("batch", entry.ServiceTier);
        Assert.Equal("batchGenerateContent", entry.Method);
        Assert.Equal(Start.AddHours(24), entry.Timestamp);
    }

    [Fact]
    public async Task EndNextBatch_ExpiredAfterTwoOfThree_BillsTwoReturnsTheirResultsAndCountsTheOneThatNeverRan()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.BatchTurnaround = TimeSpan.Zero);
        host.Emulator.EndNextBatch(new EmulatorBatchEnd { State = EmulatorBatchEndState.Expired, CompletedRequests = 2 });

        using var created = await host.PostAsync("v1beta/models/gemini-2.5-flash:batchGenerateContent", InlineBatch(
            EmulatorTestHost.TextRequest("First?"), EmulatorTestHost.TextRequest("Second?"), EmulatorTestHost.TextRequest("Third?")));
        var done = await GetAsync(host, (string)(await EmulatorTestHost.ReadJsonAsync(created))["name"]!);

        Assert.Equal("BATCH_STATE_EXPIRED", (string?)done["metadata"]!["state"]);
        Assert.True((bool)done["done"]!);
        var stats = done["metadata"]!["batchStats"]!;
        Assert.Equal(("3", "2", "1"), ((string?)stats["requestCount"], (string?)stats["successfulRequestCount"], (string?)stats["pendingRequestCount"]));
        Assert.Null(stats["failedRequestCount"]); // proto3 JSON leaves a zero count out.
        var responses = done["metadata"]!["output"]!["inlinedResponses"]!["inlinedResponses"]!.AsArray();
        Assert.Equal(["r0", "r1"], responses.Select(r => (string?)r!["metadata"]!["key"]));
        Assert.All(responses, r => Assert.NotNull(r!["response"]));
        Assert.Equal(["batch", "batch"], host.Ledger.Entries.Select(e => e.ServiceTier));

        // The next batch is not scripted: it succeeds.
        using var next = await host.PostAsync("v1beta/models/gemini-2.5-flash:batchGenerateContent", InlineBatch(EmulatorTestHost.TextRequest("Fourth?")));
        Assert.Equal("BATCH_STATE_SUCCEEDED", (string?)(await GetAsync(host, (string)(await EmulatorTestHost.ReadJsonAsync(next))["name"]!))["metadata"]!["state"]);
    }

    [Fact]
    public async Task EndNextBatch_FailedAfterOneWithoutResults_CarriesTheOperationErrorAndOnlyTheCounts()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.BatchTurnaround = TimeSpan.Zero);

        // Scripted over HTTP, as a running emulator program is: a bad body is refused, a good one queued.
        using var bad = await host.PostRawAsync("emulator/batch-ends", "{\"state\":\"Lost\"}", key: null);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        using var scripted = await host.PostRawAsync("emulator/batch-ends", "{\"state\":\"Failed\",\"completedRequests\":1,\"returnCompletedResults\":false}", key: null);
        Assert.Equal(HttpStatusCode.OK, scripted.StatusCode);

        using var created = await host.PostAsync("v1beta/models/gemini-2.5-flash:batchGenerateContent", InlineBatch(EmulatorTestHost.TextRequest("First?"), EmulatorTestHost.TextRequest("Second?")));
        var done = await GetAsync(host, (string)(await EmulatorTestHost.ReadJsonAsync(created))["name"]!);

        Assert.Equal("BATCH_STATE_FAILED", (string?)done["metadata"]!["state"]);
        Assert.Equal(13, (int)done["error"]!["code"]!);
        Assert.Null(done["metadata"]!["output"]);
        Assert.Null(done["response"]);
        Assert.Equal(("1", "1"), ((string?)done["metadata"]!["batchStats"]!["successfulRequestCount"], (string?)done["metadata"]!["batchStats"]!["pendingRequestCount"]));
        Assert.Single(host.Ledger.Entries);
    }

    [Fact]
    public async Task FileInput_ResultsAsJsonlFile_DownloadableByKey()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.BatchTurnaround = TimeSpan.Zero);
        var jsonl = string.Join('\n',
            new JsonObject { ["key"] = "a", ["request"] = EmulatorTestHost.TextRequest("First?") }.ToJsonString(),
            new JsonObject { ["key"] = "b", ["request"] = EmulatorTestHost.TextRequest("Second?") }.ToJsonString(),
            "not json") + "\n";
        var input = await host.UploadAsync(Encoding.UTF8.GetBytes(jsonl), "application/jsonl", "batch-input");
        var body = new JsonObject { ["batch"] = new JsonObject { ["inputConfig"] = new JsonObject { ["fileName"] = (string)input["name"]! } } };

        using var created = await host.PostAsync("v1beta/models/gemini-2.5-flash:batchGenerateContent", body);
        var done = await GetAsync(host, (string)(await EmulatorTestHost.ReadJsonAsync(created))["name"]!);
        var resultFile = (string)done["metadata"]!["output"]!["responsesFile"]!;
        using var download = await host.SendAsync(HttpMethod.Get, "download/v1beta/" + resultFile + ":download?alt=media");
        var lines = (await download.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();

        Assert.Equal("BATCH_STATE_SUCCEEDED", (string?)done["metadata"]!["state"]);
        Assert.Equal(["a", "b", null], lines.Select(l => (string?)l["key"]));
        Assert.NotNull(lines[0]["response"]!["candidates"]);
        Assert.NotNull(lines[2]["error"]);
        Assert.Equal(2, host.Ledger.Entries.Count(e => e.ServiceTier == "batch"));
    }

    [Fact]
    public async Task CancelListDelete_CancelledBatchIsNeverBilled()
    {
        var time = new FakeTimeProvider(Start);
        await using var host = await EmulatorTestHost.StartAsync(time: time);
        using var created = await host.PostAsync("v1beta/models/gemini-2.5-flash:batchGenerateContent", InlineBatch(EmulatorTestHost.TextRequest()));
        var name = (string)(await EmulatorTestHost.ReadJsonAsync(created))["name"]!;

        using var cancelled = await host.PostAsync("v1beta/" + name + ":cancel", new JsonObject());
        time.Advance(TimeSpan.FromHours(1));
        using var listed = await host.SendAsync(HttpMethod.Get, "v1beta/batches");
        var operations = (await EmulatorTestHost.ReadJsonAsync(listed))["operations"]!.AsArray();
        using var deleted = await host.SendAsync(HttpMethod.Delete, "v1beta/" + name);
        using var gone = await host.SendAsync(HttpMethod.Get, "v1beta/" + name);

        Assert.Equal(HttpStatusCode.OK, cancelled.StatusCode);
        Assert.Equal("BATCH_STATE_CANCELLED", (string?)Assert.Single(operations)!["metadata"]!["state"]);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Empty(host.Ledger.Entries);
    }

    [Fact]
    public async Task EnqueuedTokens_OverTheProjectLimit_429WithQuotaFailure_AndV1HasNoBatchMode()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.Projects["project-a"] = new EmulatorProjectOptions { BatchEnqueuedTokens = 10 });

        using var first = await host.PostAsync("v1beta/models/gemini-2.5-flash:batchGenerateContent", InlineBatch(EmulatorTestHost.TextRequest("Why is the sky blue?")));
        using var second = await host.PostAsync("v1beta/models/gemini-2.5-flash:batchGenerateContent", InlineBatch(EmulatorTestHost.TextRequest("Why is the sky blue?")));
        using var v1 = await host.PostAsync("v1/models/gemini-2.5-flash:batchGenerateContent", InlineBatch(EmulatorTestHost.TextRequest()));

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, second.StatusCode);
        var error = (await EmulatorTestHost.ReadJsonAsync(second))["error"]!;
        Assert.Equal("RESOURCE_EXHAUSTED", (string?)error["status"]);
        Assert.Equal("10", (string?)error["details"]![0]!["violations"]![0]!["quotaValue"]);
        Assert.Equal(HttpStatusCode.NotFound, v1.StatusCode);
    }
}
