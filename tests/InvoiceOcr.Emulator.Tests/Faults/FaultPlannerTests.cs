using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Emulator.Tests.Faults;

public sealed class FaultPlannerTests
{
    private static void Rates(GeminiEmulatorOptions options, int seed)
    {
        options.Seed = seed;
        options.Faults.Rates[EmulatorFaultKind.Internal] = 0.2;
        options.Faults.Rates[EmulatorFaultKind.Unavailable] = 0.2;
        options.Faults.Rates[EmulatorFaultKind.MaxTokens] = 0.2;
    }

    private static async Task<List<string>> OutcomesAsync(int seed, int calls)
    {
        await using var host = await EmulatorTestHost.StartAsync(o => Rates(o, seed));
        var outcomes = new List<string>();
        for (var i = 0; i < calls; i++)
        {
            using var response = await host.GenerateAsync(EmulatorTestHost.TextRequest());
            var body = await EmulatorTestHost.ReadJsonAsync(response);
            outcomes.Add((int)response.StatusCode + ":" + ((string?)body["candidates"]?[0]?["finishReason"] ?? (string?)body["error"]?["status"]));
        }

        return outcomes;
    }

    [Fact]
    public async Task Rates_SameSeed_ReproduceSameFaultSequence()
    {
        var first = await OutcomesAsync(seed: 1234, calls: 40);
        var second = await OutcomesAsync(seed: 1234, calls: 40);
        var other = await OutcomesAsync(seed: 4321, calls: 40);

        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
        Assert.Contains("500:INTERNAL", first);
        Assert.Contains("503:UNAVAILABLE", first);
        Assert.Contains("200:MAX_TOKENS", first);
        Assert.Contains("200:STOP", first);
    }

    [Fact]
    public async Task Script_PerKey_AppliesOnlyToThatKeyInOrder()
    {
        await using var host = await EmulatorTestHost.StartAsync(o =>
        {
            o.Faults.Script.Add(new EmulatorScriptedFault { Kind = EmulatorFaultKind.Unavailable, Count = 2, KeyId = "a-2" });
            o.Faults.Script.Add(new EmulatorScriptedFault { Kind = EmulatorFaultKind.DeadlineExceeded });
        });

        async Task<HttpStatusCode> Call(string key)
        {
            using var response = await host.GenerateAsync(EmulatorTestHost.TextRequest(), key: key);
            return response.StatusCode;
        }

        Assert.Equal(HttpStatusCode.GatewayTimeout, await Call(EmulatorTestHost.KeyA1)); // First any-key step.
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await Call(EmulatorTestHost.KeyA2));
        Assert.Equal(HttpStatusCode.OK, await Call(EmulatorTestHost.KeyA1));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, await Call(EmulatorTestHost.KeyA2));
        Assert.Equal(HttpStatusCode.OK, await Call(EmulatorTestHost.KeyA2));
        Assert.Equal(0 + 2, host.Ledger.Count);
    }

    [Fact]
    public async Task KeyFaultRates_ReplaceGlobalRatesForThatKey()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.Keys.Single(k => k.Id == "b-1").FaultRates[EmulatorFaultKind.Internal] = 1.0);

        using var faulty = await host.GenerateAsync(EmulatorTestHost.TextRequest(), key: EmulatorTestHost.KeyB1);
        using var healthy = await host.GenerateAsync(EmulatorTestHost.TextRequest(), key: EmulatorTestHost.KeyA1);

        Assert.Equal(HttpStatusCode.InternalServerError, faulty.StatusCode);
        Assert.Equal(HttpStatusCode.OK, healthy.StatusCode);
    }

    [Fact]
    public async Task ConnectionReset_AbortsMidBodyAndIsNotBilled()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.Faults.Script.Add(new EmulatorScriptedFault { Kind = EmulatorFaultKind.ConnectionReset }));

        var failure = await Record.ExceptionAsync(async () =>
        {
            using var response = await host.GenerateAsync(EmulatorTestHost.TextRequest());
            await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        });

        Assert.True(failure is HttpRequestException or IOException, failure?.ToString());
        Assert.Equal(0, host.Ledger.Count);
    }

    [Fact]
    public async Task TruncatedBody_Is200WithCutJsonAndIsNotBilled()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.Faults.Script.Add(new EmulatorScriptedFault { Kind = EmulatorFaultKind.TruncatedBody }));

        using var response = await host.GenerateAsync(EmulatorTestHost.TextRequest());
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.ThrowsAny<JsonException>(() => JsonNode.Parse(body));
        Assert.Equal(0, host.Ledger.Count);
    }

    [Fact]
    public async Task InvalidJsonText_Is200StopWithUnparsableTextAndIsBilled()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.Faults.Script.Add(new EmulatorScriptedFault { Kind = EmulatorFaultKind.InvalidJsonText }));
        var request = EmulatorTestHost.TextRequest();
        request["generationConfig"] = new JsonObject
        {
            ["responseMimeType"] = "application/json",
            ["responseSchema"] = new JsonObject { ["type"] = "OBJECT", ["properties"] = new JsonObject { ["invoiceId"] = new JsonObject { ["type"] = "STRING" } } },
        };

        using var response = await host.GenerateAsync(request);
        var body = await EmulatorTestHost.ReadJsonAsync(response);

        Assert.Equal("STOP", (string?)body["candidates"]![0]!["finishReason"]);
        Assert.ThrowsAny<JsonException>(() => JsonNode.Parse((string)body["candidates"]![0]!["content"]!["parts"]![0]!["text"]!));
        Assert.Equal((string?)body["responseId"], Assert.Single(host.Ledger.Entries).ResponseId);
    }

    [Fact]
    public async Task Other_HasNoContentAndBillsPromptOnly()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.Faults.Script.Add(new EmulatorScriptedFault { Kind = EmulatorFaultKind.Other }));

        using var response = await host.GenerateAsync(EmulatorTestHost.TextRequest());
        var candidate = (await EmulatorTestHost.ReadJsonAsync(response))["candidates"]![0]!;

        Assert.Equal("OTHER", (string?)candidate["finishReason"]);
        Assert.Null(candidate["content"]);
        var entry = Assert.Single(host.Ledger.Entries);
        Assert.Equal(0, entry.CandidatesTokenCount);
        Assert.Equal(entry.PromptTokenCount, entry.TotalTokenCount);
    }

    [Fact]
    public async Task PromptBlocked_UnaryHasOnlyPromptFeedbackAndIsNotBilled()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.Faults.Script.Add(new EmulatorScriptedFault { Kind = EmulatorFaultKind.PromptBlocked }));

        using var response = await host.GenerateAsync(EmulatorTestHost.TextRequest());
        var body = await EmulatorTestHost.ReadJsonAsync(response);

        Assert.Equal(["promptFeedback"], body.Select(p => p.Key));
        Assert.Equal("SAFETY", (string?)body["promptFeedback"]!["blockReason"]);
        Assert.Equal(0, host.Ledger.Count);
    }

    [Fact]
    public async Task ServerFaults_ConsumeNoQuota()
    {
        await using var host = await EmulatorTestHost.StartAsync(o =>
        {
            o.Projects["project-a"] = new EmulatorProjectOptions { RequestsPerMinute = 1 };
            o.Faults.Script.Add(new EmulatorScriptedFault { Kind = EmulatorFaultKind.Unavailable, Count = 3 });
        });

        for (var i = 0; i < 3; i++)
        {
            using var failed = await host.GenerateAsync(EmulatorTestHost.TextRequest());
            Assert.Equal(HttpStatusCode.ServiceUnavailable, failed.StatusCode);
        }

        using var ok = await host.GenerateAsync(EmulatorTestHost.TextRequest());
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Latency_WaitsOnTheEmulatorTimeProvider()
    {
        var time = new TimerCountingTimeProvider(DateTimeOffset.Parse("2026-03-04T10:00:00Z"));
        await using var host = await EmulatorTestHost.StartAsync(o => o.Faults.LatencyFixed = TimeSpan.FromSeconds(5), time);

        var call = host.GenerateAsync(EmulatorTestHost.TextRequest());

        // Wait (real time) until the server sleeps on the emulator's clock; with latency off it never does.
        for (var i = 0; i < 500 && Volatile.Read(ref time.Timers) == 0; i++)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.True(Volatile.Read(ref time.Timers) > 0, "the request never waited on the emulator's TimeProvider");
        time.Advance(TimeSpan.FromSeconds(5) - TimeSpan.FromMilliseconds(1));
        await Task.Delay(200, TestContext.Current.CancellationToken);
        Assert.False(call.IsCompleted, "answered before 5 s of emulated time had passed");

        time.Advance(TimeSpan.FromMilliseconds(1));
        using var response = await call.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    /// <summary>A fake clock that counts the timers created on it (the latency wait is one).</summary>
    private sealed class TimerCountingTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
    {
        public int Timers;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            // Counted once registered, so a test that sees the count can advance past the timer's due time.
            var timer = base.CreateTimer(callback, state, dueTime, period);
            Interlocked.Increment(ref Timers);
            return timer;
        }
    }
}

public sealed class FaultEndpointTests
{
    [Fact]
    public async Task PostEmulatorFaults_ScriptsFaultsAtRunTime()
    {
        await using var host = await EmulatorTestHost.StartAsync();

        using var injected = await host.PostRawAsync("emulator/faults", "{\"kind\":\"DeadlineExceeded\",\"count\":1,\"keyId\":\"a-1\"}", key: null);
        using var first = await host.GenerateAsync(EmulatorTestHost.TextRequest());
        using var second = await host.GenerateAsync(EmulatorTestHost.TextRequest());
        using var bad = await host.PostRawAsync("emulator/faults", "{\"kind\":\"NoSuchFault\"}", key: null);

        Assert.Equal(HttpStatusCode.OK, injected.StatusCode);
        Assert.Equal(HttpStatusCode.GatewayTimeout, first.StatusCode);
        Assert.Equal("DEADLINE_EXCEEDED", (string?)(await EmulatorTestHost.ReadJsonAsync(first))["error"]!["status"]);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }
}
