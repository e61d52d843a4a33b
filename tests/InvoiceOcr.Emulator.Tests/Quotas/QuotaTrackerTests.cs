using System.Net;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Emulator.Tests.Quotas;

public sealed class QuotaTrackerTests
{
    private static async Task<(HttpStatusCode Status, JsonObject Body)> CallAsync(EmulatorTestHost host, string key = EmulatorTestHost.KeyA1, string model = "gemini-2.5-flash", string text = "hi")
    {
        using var response = await host.GenerateAsync(EmulatorTestHost.TextRequest(text), model, key);
        return (response.StatusCode, await EmulatorTestHost.ReadJsonAsync(response));
    }

    private static JsonNode Violation(JsonObject body) => body["error"]!["details"]![0]!["violations"]![0]!;

    private static string RetryDelay(JsonObject body) => (string)body["error"]!["details"]![2]!["retryDelay"]!;

    [Fact]
    public async Task RequestsPerMinute_NthPassesAndNextGets429WithTimeToMinuteEnd()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-04T10:00:10.250Z"));
        await using var host = await EmulatorTestHost.StartAsync(o => o.Projects["project-a"] = new EmulatorProjectOptions { RequestsPerMinute = 3 }, time);

        for (var i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.OK, (await CallAsync(host)).Status);
        }

        var (status, body) = await CallAsync(host);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", (string?)Violation(body)["quotaId"]);
        Assert.Equal("generativelanguage.googleapis.com/generate_content_free_tier_requests", (string?)Violation(body)["quotaMetric"]);
        Assert.Equal("3", (string?)Violation(body)["quotaValue"]);
        Assert.Equal("gemini-2.5-flash", (string?)Violation(body)["quotaDimensions"]!["model"]);
        Assert.Equal("49.75s", RetryDelay(body));

        time.Advance(TimeSpan.FromSeconds(49.5));
        Assert.Equal("0.25s", RetryDelay((await CallAsync(host)).Body));

        time.Advance(TimeSpan.FromSeconds(0.25));
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(host)).Status);
    }

    [Fact]
    public async Task RequestsPerMinute_SharedByKeysOfOneProjectOnly()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-04T10:00:00Z"));
        await using var host = await EmulatorTestHost.StartAsync(o =>
        {
            o.Projects["project-a"] = new EmulatorProjectOptions { RequestsPerMinute = 2 };
            o.Projects["project-b"] = new EmulatorProjectOptions { RequestsPerMinute = 2 };
        }, time);

        Assert.Equal(HttpStatusCode.OK, (await CallAsync(host, EmulatorTestHost.KeyA1)).Status);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(host, EmulatorTestHost.KeyA2)).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await CallAsync(host, EmulatorTestHost.KeyA2)).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await CallAsync(host, EmulatorTestHost.KeyA1)).Status);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(host, EmulatorTestHost.KeyB1)).Status);
        // Limits are per model, as the real quota ids say (…PerProjectPerModel).
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(host, EmulatorTestHost.KeyA1, "gemini-2.0-flash")).Status);
    }

    [Fact]
    public async Task InputTokensPerMinute_RejectedRequestConsumesNothing()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-04T10:00:00Z"));
        await using var host = await EmulatorTestHost.StartAsync(o => o.Projects["project-a"] = new EmulatorProjectOptions { InputTokensPerMinute = 100, RequestsPerMinute = 3 }, time);
        var eighty = string.Join(' ', Enumerable.Repeat("x", 80)); // 80 one-letter words → 80 tokens.

        Assert.Equal(HttpStatusCode.OK, (await CallAsync(host, text: eighty)).Status);
        var (status, body) = await CallAsync(host, text: eighty);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("GenerateContentInputTokensPerModelPerMinute-FreeTier", (string?)Violation(body)["quotaId"]);
        Assert.Equal("60s", RetryDelay(body));

        // Neither the rejected request's tokens nor its request count were consumed: 80 + 20 = 100 and 2 of 3 requests.
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(host, text: string.Join(' ', Enumerable.Repeat("x", 20)))).Status);
        Assert.Single(host.Ledger.Entries, e => e.PromptTokenCount == 80);
    }

    [Fact]
    public async Task RequestsPerDay_ResetsAtPacificMidnight()
    {
        // 23:59:00 PST on 2026-03-04 is 07:59:00Z on 2026-03-05.
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-05T07:59:00Z"));
        await using var host = await EmulatorTestHost.StartAsync(o => o.Projects["project-a"] = new EmulatorProjectOptions { RequestsPerDay = 2 }, time);

        Assert.Equal(HttpStatusCode.OK, (await CallAsync(host)).Status);
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(host)).Status);
        var (status, body) = await CallAsync(host);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("GenerateRequestsPerDayPerProjectPerModel-FreeTier", (string?)Violation(body)["quotaId"]);
        Assert.Equal("60s", RetryDelay(body));

        time.Advance(TimeSpan.FromSeconds(59));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await CallAsync(host)).Status);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(host)).Status);
    }

    [Theory]
    [InlineData("2026-03-08T08:30:00Z", "81000s", "2026-03-09T07:00:00Z")] // Spring forward: 00:30 PST → next midnight is PDT, a 23-hour day.
    [InlineData("2026-11-01T07:00:00Z", "90000s", "2026-11-02T08:00:00Z")] // Fall back: midnight PDT → next midnight is PST, a 25-hour day.
    public async Task RequestsPerDay_AcrossDstChange_RetryDelayReachesTrueMidnight(string start, string expectedDelay, string resetUtc)
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse(start));
        await using var host = await EmulatorTestHost.StartAsync(o => o.Projects["project-a"] = new EmulatorProjectOptions { RequestsPerDay = 1 }, time);

        Assert.Equal(HttpStatusCode.OK, (await CallAsync(host)).Status);
        Assert.Equal(expectedDelay, RetryDelay((await CallAsync(host)).Body));

        time.SetUtcNow(DateTimeOffset.Parse(resetUtc).AddSeconds(-1));
        var (status, body) = await CallAsync(host);
        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("1s", RetryDelay(body));

        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(HttpStatusCode.OK, (await CallAsync(host)).Status);
    }

    [Fact]
    public async Task PaidTier_ReportsPaidQuotaIds()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-04T10:00:00Z"));
        await using var host = await EmulatorTestHost.StartAsync(o => o.Projects["project-a"] = new EmulatorProjectOptions { InputTokensPerMinute = 1, Tier = EmulatorTier.Paid }, time);

        var (status, body) = await CallAsync(host, text: "more than four bytes");

        Assert.Equal(HttpStatusCode.TooManyRequests, status);
        Assert.Equal("GenerateContentPaidTierInputTokensPerModelPerMinute", (string?)Violation(body)["quotaId"]);
        Assert.Equal("generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count", (string?)Violation(body)["quotaMetric"]);
    }

    [Fact]
    public async Task RequestsPerMinute_ParallelCalls_AdmitExactlyTheLimit()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-04T10:00:00Z"));
        await using var host = await EmulatorTestHost.StartAsync(o => o.Projects["project-a"] = new EmulatorProjectOptions { RequestsPerMinute = 10 }, time);

        var statuses = await Task.WhenAll(Enumerable.Range(0, 25).Select(async i =>
        {
            using var response = await host.GenerateAsync(EmulatorTestHost.TextRequest("call " + i), key: i % 2 == 0 ? EmulatorTestHost.KeyA1 : EmulatorTestHost.KeyA2);
            return response.StatusCode;
        }));

        Assert.Equal(10, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(15, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(10, host.Ledger.Count);
    }
}
