using InvoiceOcr.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Emulator.Tests.Ledger;

public sealed class EmulatorLedgerTests
{
    [Fact]
    public async Task BilledCall_RecordsKeyProjectResponseIdAndEveryTokenCount()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-04T10:00:00Z"));
        await using var host = await EmulatorTestHost.StartAsync(configure: null, time);

        using var response = await host.GenerateAsync(EmulatorTestHost.DocumentRequest("application/pdf", SharedData.ReadInvoice("invoice2data/QualityHosting.pdf")), key: EmulatorTestHost.KeyA2);
        var body = await EmulatorTestHost.ReadJsonAsync(response);

        var entry = Assert.Single(host.Ledger.Entries);
        var usage = body["usageMetadata"]!;
        Assert.Equal(1, entry.Sequence);
        Assert.Equal(time.GetUtcNow(), entry.Timestamp);
        Assert.Equal("a-2", entry.KeyId);
        Assert.Equal(EmulatorTestHost.KeyA2, entry.Key);
        Assert.Equal("project-a", entry.Project);
        Assert.Equal("gemini-2.5-flash", entry.Model);
        Assert.Equal("generateContent", entry.Method);
        Assert.Equal((string?)body["responseId"], entry.ResponseId);
        Assert.Equal("STOP", entry.FinishReason);
        Assert.Equal((int)usage["promptTokenCount"]!, entry.PromptTokenCount);
        Assert.Equal((int)usage["candidatesTokenCount"]!, entry.CandidatesTokenCount);
        Assert.Equal((int)usage["totalTokenCount"]!, entry.TotalTokenCount);
        Assert.Equal(516, entry.PromptTokensByModality["DOCUMENT"]);
        Assert.Equal(4, entry.PromptTokensByModality["TEXT"]); // "Extract the invoice."
    }

    [Fact]
    public async Task Totals_AggregatePerKeyAndPerProject_AndEndpointServesThem()
    {
        await using var host = await EmulatorTestHost.StartAsync();
        using (await host.GenerateAsync(EmulatorTestHost.TextRequest("abcd"), key: EmulatorTestHost.KeyA1)) { }
        using (await host.GenerateAsync(EmulatorTestHost.TextRequest("abcd"), key: EmulatorTestHost.KeyA2)) { }
        using (await host.GenerateAsync(EmulatorTestHost.TextRequest("abcd"), key: EmulatorTestHost.KeyA2)) { }
        using (await host.GenerateAsync(EmulatorTestHost.TextRequest("abcd"), key: "test-key-unknown")) { }

        var byKey = host.Ledger.TotalsByKey();
        var byProject = host.Ledger.TotalsByProject();
        Assert.Equal(1, byKey["a-1"].Requests);
        Assert.Equal(2, byKey["a-2"].Requests);
        Assert.Equal(2, byKey["a-2"].PromptTokens);
        Assert.Equal(3, byProject["project-a"].Requests);
        Assert.Equal(host.Ledger.Entries.Sum(e => (long)e.TotalTokenCount), byProject["project-a"].TotalTokens);

        using var response = await host.SendAsync(HttpMethod.Get, "emulator/ledger", key: null);
        var json = await EmulatorTestHost.ReadJsonAsync(response);
        Assert.Equal(3, json["entries"]!.AsArray().Count);
        Assert.Equal(2, (long)json["totalsByKey"]!["a-2"]!["requests"]!);
        Assert.Equal("a-1", (string?)json["entries"]![0]!["keyId"]);

        using var cleared = await host.SendAsync(HttpMethod.Delete, "emulator/ledger", key: null);
        Assert.Equal(System.Net.HttpStatusCode.OK, cleared.StatusCode);
        Assert.Equal(0, host.Ledger.Count);
    }

    [Fact]
    public async Task ConcurrentCalls_AreAllRecordedWithDistinctSequences()
    {
        await using var host = await EmulatorTestHost.StartAsync();

        await Task.WhenAll(Enumerable.Range(0, 24).Select(async i =>
        {
            using var response = await host.GenerateAsync(EmulatorTestHost.TextRequest("call " + i), key: i % 2 == 0 ? EmulatorTestHost.KeyA1 : EmulatorTestHost.KeyB1);
            response.EnsureSuccessStatusCode();
        }));

        var entries = host.Ledger.Entries;
        Assert.Equal(24, entries.Count);
        Assert.Equal(Enumerable.Range(1, 24).Select(i => (long)i), entries.Select(e => e.Sequence).Order());
        Assert.Equal(24, entries.Select(e => e.ResponseId).Distinct().Count());
        Assert.Equal(12, host.Ledger.TotalsByKey()["b-1"].Requests);
    }

    [Fact]
    public void Clear_EmptiesTheLedger()
    {
        var ledger = new EmulatorLedger();
        ledger.Add(s => new EmulatorLedgerEntry(s, DateTimeOffset.UnixEpoch, "k", "test-key-x", "p", "m", "generateContent", "r", "STOP", 1, 1, 0, 0, 0, 2, new Dictionary<string, int>()));

        ledger.Clear();

        Assert.Equal(0, ledger.Count);
        Assert.Empty(ledger.TotalsByKey());
    }
}
