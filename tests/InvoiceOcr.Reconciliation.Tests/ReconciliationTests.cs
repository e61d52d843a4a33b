using System.Globalization;
using InvoiceOcr.Sdk;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// 5,000 extractions across four companies and eight keys against the emulator with 20 % injected faults and per-minute
/// 429s; afterwards the SDK's usage ledger equals the emulator's billing ledger exactly, per key, no limit was passed,
/// and no key (nor any 8-character piece of one) appears in any log line, exception, metric tag or activity tag.
/// </summary>
[Trait("Category", "Reconciliation")]
public sealed class ReconciliationTests
{
    private const int Calls = 5_000;
    private const int Concurrency = 16;

    [Fact]
    public async Task ExtractAsync_5000CallsWithFaultsOnTheInMemoryStore_LedgersMatchExactlyAndNoSecretLeaks()
    {
        await using var harness = await ReconciliationHarness.StartAsync(HarnessStore.InMemory, seed: 20261123);

        await harness.RunAsync(Calls, Concurrency);

        var sdk = await harness.ListSdkUsageAsync();
        AssertLedgersMatch(harness, sdk);
        await AssertLimitsHeldAsync(harness);

        // The in-memory store settles every call: each key's running total is the emulator's, and nothing stays reserved.
        var keys = harness.Services.GetRequiredService<IApiKeyStore>();
        var billed = harness.Emulator.Ledger.TotalsByKey();
        foreach (var key in harness.Keys)
        {
            var stored = await keys.GetAsync(key.Id, CancellationToken.None);
            Assert.NotNull(stored);
            Assert.Equal(billed.TryGetValue(key.Id, out var totals) ? totals.TotalTokens : 0, stored.TokensUsed);
            Assert.Equal(0, stored.TokensReserved);
        }

        AssertNoSecretLeaks(harness);
    }

    [Fact]
    public async Task ExtractAsync_5000CallsWithFaultsAndASqliteOutageMidRun_LedgersMatchExactlyAfterTheOutboxReplays()
    {
        await using var harness = await ReconciliationHarness.StartAsync(HarnessStore.Sqlite, seed: 20261124);
        IDisposable? outage = null;
        var gate = new Lock();

        // Calls 2,000 to 2,800 start while the database file is gone: keys come from the fallback list and usage goes to the outbox.
        await harness.RunAsync(Calls, Concurrency, i =>
        {
            lock (gate)
            {
                if (i == 2_000 && outage is null)
                {
                    outage = harness.TakeStoreDown();
                }
                else if (i == 2_800)
                {
                    outage?.Dispose();
                }
            }

            return Task.CompletedTask;
        });
        outage?.Dispose();
        await harness.FlushAsync();

        var durable = harness.Services.GetRequiredService<DurableUsageLogger>();
        Assert.True(durable.UsageRecordsDiverted > 0, "The outage diverted no usage record to the outbox: the store was never really down.");
        var sdk = await harness.ListSdkUsageAsync();
        AssertLedgersMatch(harness, sdk);
        await AssertLimitsHeldAsync(harness);
        AssertNoSecretLeaks(harness);
    }

    private static void AssertLedgersMatch(ReconciliationHarness harness, IReadOnlyList<UsageRecord> sdk)
    {
        var entries = harness.Emulator.Ledger.Entries;

        // The run really was under fire, and most calls still went through.
        Assert.True(entries.Count >= Calls * 6 / 10, $"Only {entries.Count} billed calls out of {Calls}.");
        Assert.True(harness.Failures.Count + harness.Succeeded == Calls, "Every call either returned or threw a typed InvoiceOcrException.");
        Assert.Contains(harness.Telemetry.Lines, l => l.Contains(nameof(InvoiceOcrErrorKind.RateLimitedPerMinute), StringComparison.Ordinal));
        Assert.Contains(harness.Telemetry.Lines, l => l.Contains(nameof(InvoiceOcrErrorKind.ServerError), StringComparison.Ordinal));
        Assert.Contains(harness.Telemetry.Lines, l => l.Contains(nameof(InvoiceOcrErrorKind.NetworkFailure), StringComparison.Ordinal));
        Assert.Contains(sdk, r => r.Outcome == UsageOutcome.Failure);

        // Nothing doubled: one row per attempt and per billed response.
        Assert.Equal(sdk.Count, sdk.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.All(sdk, r => Assert.False(string.IsNullOrEmpty(r.ResponseId)));
        Assert.Equal(
            entries.Select(e => e.ResponseId).Order(StringComparer.Ordinal),
            sdk.Select(r => r.ResponseId!).Order(StringComparer.Ordinal));

        // Per key: calls and every token count.
        var expected = entries
            .GroupBy(e => e.KeyId, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => (Calls: g.LongCount(), Input: g.Sum(e => (long)e.PromptTokenCount), Output: g.Sum(e => (long)e.CandidatesTokenCount),
                    Cached: g.Sum(e => (long)e.CachedContentTokenCount), ToolUse: g.Sum(e => (long)e.ToolUsePromptTokenCount),
                    Thoughts: g.Sum(e => (long)e.ThoughtsTokenCount), Total: g.Sum(e => (long)e.TotalTokenCount)),
                StringComparer.Ordinal);
        var actual = sdk
            .GroupBy(r => r.KeyId, StringComparer.Ordinal)
            .ToDictionary(
                g => g.Key,
                g => (Calls: g.Sum(r => (long)r.RequestCount), Input: g.Sum(r => r.InputTokens), Output: g.Sum(r => r.OutputTokens),
                    Cached: g.Sum(r => r.CachedTokens), ToolUse: g.Sum(r => r.ToolUseTokens),
                    Thoughts: g.Sum(r => r.ThoughtsTokens), Total: g.Sum(r => r.TotalTokens)),
                StringComparer.Ordinal);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (keyId, totals) in expected)
        {
            Assert.Equal((keyId, totals), (keyId, actual[keyId]));
        }

        // Every row names the key's company and project, as billed.
        var owners = harness.Keys.ToDictionary(k => k.Id, StringComparer.Ordinal);
        var billedProject = entries.ToDictionary(e => e.ResponseId, e => e.Project, StringComparer.Ordinal);
        Assert.All(sdk, r =>
        {
            Assert.Equal(owners[r.KeyId].CompanyId, r.CompanyId);
            Assert.Equal(billedProject[r.ResponseId!], r.ProjectId);
        });
    }

    private static async Task AssertLimitsHeldAsync(ReconciliationHarness harness)
    {
        var entries = harness.Emulator.Ledger.Entries;

        // The lifetime budget of c0-a was used up and never passed, by the service's own books.
        var c0a = entries.Where(e => e.KeyId == "c0-a").Sum(e => (long)e.TotalTokenCount);
        Assert.InRange(c0a, ReconciliationHarness.LifetimeLimitC0A / 2, ReconciliationHarness.LifetimeLimitC0A);

        // c1-b's requests per day: every request the service saw counts, billed or not; the billed ones are a lower bound.
        var c1b = entries.Count(e => e.KeyId == "c1-b");
        Assert.InRange(c1b, 1, ReconciliationHarness.RequestsPerDayC1B);
        if (harness.Store == HarnessStore.InMemory)
        {
            var window = await harness.Services.GetRequiredService<IQuotaStore>().GetWindowUsageAsync(QuotaScope.Key, "c1-b", CancellationToken.None);
            Assert.InRange(window.DayRequests, c1b, ReconciliationHarness.RequestsPerDayC1B);
        }

        // The shared project's per-minute limit is the service's: it rejected, it never billed more than it allows.
        foreach (var minute in entries.Where(e => e.Project == ReconciliationHarness.SharedProject).GroupBy(e => QuotaWindows.MinuteStart(e.Timestamp)))
        {
            Assert.True(minute.Count() <= ReconciliationHarness.SharedProjectRequestsPerMinute, string.Create(CultureInfo.InvariantCulture, $"{minute.Count()} calls in {minute.Key:O}"));
        }
    }

    private static void AssertNoSecretLeaks(ReconciliationHarness harness)
    {
        var pieces = new HashSet<string>(StringComparer.Ordinal);
        foreach (var key in harness.Keys)
        {
            for (var i = 0; i + 8 <= key.Secret.Length; i++)
            {
                pieces.Add(key.Secret.Substring(i, 8));
            }
        }

        var lookup = pieces.GetAlternateLookup<ReadOnlySpan<char>>();
        var texts = harness.Telemetry.Lines.Concat(harness.Failures.Select(f => f.ToString())).ToList();
        Assert.True(harness.Telemetry.LogLines > 1_000, "The sweep saw too few log lines to mean anything.");
        Assert.True(harness.Telemetry.Measurements > 1_000, "The sweep saw too few metric measurements to mean anything.");
        foreach (var text in texts)
        {
            var span = text.AsSpan();
            for (var i = 0; i + 8 <= span.Length; i++)
            {
                if (lookup.Contains(span.Slice(i, 8)))
                {
                    Assert.Fail("A piece of an API key leaked into telemetry: " + text.Replace(span.Slice(i, 8).ToString(), "<8 chars of a key>", StringComparison.Ordinal));
                }
            }
        }
    }
}
