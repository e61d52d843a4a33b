using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace InvoiceOcr.Emulator.Tests.Faults;

/// <summary>The "billed but lost" faults: the call is billed, the answer never reaches the client intact.</summary>
public sealed class LostAnswerFaultTests
{
    private static async Task<Exception?> CallAsync(EmulatorTestHost host, string path, string attempt)
    {
        return await Record.ExceptionAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path)
            {
                Content = new StringContent(EmulatorTestHost.TextRequest("Tell me something long enough to stream in several events.").ToJsonString(), Encoding.UTF8, "application/json"),
            };
            request.Headers.Add("x-goog-api-key", EmulatorTestHost.KeyA1);
            request.Headers.Add(GeminiEmulator.TestAttemptHeader, attempt);
            using var response = await host.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

            // A truncated body arrives "successfully": the caller only learns from the JSON.
            if (path.Contains("alt=sse", StringComparison.Ordinal))
            {
                var last = body.Split("\r\n\r\n", StringSplitOptions.RemoveEmptyEntries)[^1];
                if (JsonNode.Parse(last["data: ".Length..])!["candidates"]![0]!["finishReason"] is null)
                {
                    throw new InvalidDataException("The stream ended without its final event.");
                }
            }
            else
            {
                JsonNode.Parse(body);
            }
        });
    }

    [Theory]
    [InlineData(EmulatorFaultKind.ConnectionResetAfterBilling, "v1beta/models/gemini-2.5-flash:generateContent")]
    [InlineData(EmulatorFaultKind.ConnectionResetAfterBilling, "v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")]
    [InlineData(EmulatorFaultKind.TruncatedBodyAfterBilling, "v1beta/models/gemini-2.5-flash:generateContent")]
    [InlineData(EmulatorFaultKind.TruncatedBodyAfterBilling, "v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")]
    [InlineData(EmulatorFaultKind.NoResponseAfterBilling, "v1beta/models/gemini-2.5-flash:generateContent")]
    [InlineData(EmulatorFaultKind.NoResponseAfterBilling, "v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")]
    public async Task AfterBillingFault_ClientGetsNoIntactAnswer_LedgerBillsItAsLost(EmulatorFaultKind kind, string path)
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.Faults.Script.Add(new EmulatorScriptedFault { Kind = kind }));

        var failure = await CallAsync(host, path, "attempt-7");

        Assert.True(failure is HttpRequestException or IOException or JsonException or InvalidDataException, failure?.ToString() ?? "the call succeeded");
        var entry = Assert.Single(host.Ledger.Entries);
        Assert.Equal(kind, entry.Fault);
        Assert.True(entry.AnswerLost);
        Assert.Equal("attempt-7", entry.TestAttempt);
        Assert.True(entry.PromptTokenCount > 0 && entry.CandidatesTokenCount > 0);
        Assert.Equal(1, host.Ledger.TotalsByKey()["a-1"].LostAnswers);
    }

    [Fact]
    public async Task NoResponseAfterBilling_ConnectionDropsBeforeTheStatusLine()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.Faults.Script.Add(new EmulatorScriptedFault { Kind = EmulatorFaultKind.NoResponseAfterBilling }));

        // No response object at all: SendAsync itself fails, so the caller cannot tell whether the model ran.
        await Assert.ThrowsAsync<HttpRequestException>(() => host.GenerateAsync(EmulatorTestHost.TextRequest()));
        Assert.Single(host.Ledger.Entries);
    }

    [Fact]
    public async Task Rates_AfterBillingKinds_DrawnFromTheSeedAndEveryLostCallBilled()
    {
        static async Task<List<(int Sequence, EmulatorFaultKind Fault)>> RunAsync()
        {
            await using var host = await EmulatorTestHost.StartAsync(o =>
            {
                o.Seed = 99;
                o.Faults.Rates[EmulatorFaultKind.ConnectionResetAfterBilling] = 0.2;
                o.Faults.Rates[EmulatorFaultKind.TruncatedBodyAfterBilling] = 0.2;
                o.Faults.Rates[EmulatorFaultKind.NoResponseAfterBilling] = 0.2;
            });
            var failures = 0;
            for (var i = 0; i < 30; i++)
            {
                failures += await CallAsync(host, "v1beta/models/gemini-2.5-flash:generateContent", "a" + i) is null ? 0 : 1;
            }

            var entries = host.Ledger.Entries;
            Assert.Equal(30, entries.Count); // Every call billed, lost or not.
            Assert.Equal(failures, entries.Count(e => e.AnswerLost));
            Assert.Equal(Enumerable.Range(0, 30).Select(i => "a" + i), entries.Select(e => e.TestAttempt));
            return [.. entries.Select(e => ((int)e.Sequence, e.Fault))];
        }

        var first = await RunAsync();
        var second = await RunAsync();

        Assert.Equal(first, second);
        Assert.Contains(first, e => e.Fault == EmulatorFaultKind.ConnectionResetAfterBilling);
        Assert.Contains(first, e => e.Fault == EmulatorFaultKind.TruncatedBodyAfterBilling);
        Assert.Contains(first, e => e.Fault == EmulatorFaultKind.NoResponseAfterBilling);
        Assert.Contains(first, e => e.Fault == EmulatorFaultKind.None);
    }

    [Fact]
    public async Task TestAttemptHeader_RecordedOnNormalCalls_AbsentWhenNotSent()
    {
        await using var host = await EmulatorTestHost.StartAsync();

        Assert.Null(await CallAsync(host, "v1beta/models/gemini-2.5-flash:generateContent", "op-1#2"));
        using var plain = await host.GenerateAsync(EmulatorTestHost.TextRequest());
        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);

        Assert.Equal(["op-1#2", null], host.Ledger.Entries.Select(e => e.TestAttempt));
        Assert.All(host.Ledger.Entries, e => Assert.False(e.AnswerLost));
    }

    [Fact]
    public async Task Sse_ConnectionReset_DeliversTheFirstEventBeforeTheReset()
    {
        await using var host = await EmulatorTestHost.StartAsync(o => o.Faults.Script.Add(new EmulatorScriptedFault { Kind = EmulatorFaultKind.ConnectionResetAfterBilling }));
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse")
        {
            Content = new StringContent(EmulatorTestHost.TextRequest().ToJsonString(), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add("x-goog-api-key", EmulatorTestHost.KeyA1);
        using var response = await host.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(TestContext.Current.CancellationToken));

        // Read event by event, as a streaming client does: the first arrives whole, then the read fails.
        var first = await reader.ReadLineAsync(TestContext.Current.CancellationToken);
        var failure = await Record.ExceptionAsync(async () => await reader.ReadToEndAsync(TestContext.Current.CancellationToken));

        Assert.StartsWith("data: {", first, StringComparison.Ordinal);
        Assert.NotNull(JsonNode.Parse(first!["data: ".Length..])!["candidates"]);
        Assert.True(failure is HttpRequestException or IOException, failure?.ToString() ?? "the stream ended cleanly");
    }
}
