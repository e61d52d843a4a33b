using System.Diagnostics.Metrics;
using System.Net;
using InvoiceOcr.Sdk.Extraction;
using InvoiceOcr.Sdk.Tests.Keys;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace InvoiceOcr.Sdk.Tests.Resilience;

public sealed class ModelCallExecutorTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ScriptedAttempt Script(KeyPoolHarness h, Func<string, int, Task<ModelAttemptResult<string>>?> failures) =>
        new(h.Time, (attempt, index, _) => failures(attempt.KeyId, index) ?? Task.FromResult(KeyPoolHarness.Success(attempt)));

    [Fact]
    public async Task ExecuteAsync_InvalidKeyThenGoodKey_FailsOverWithinOneCallWithoutWaiting()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("bad", "c-1", projectId: "p-1", weight: 1_000_000);
        await h.AddKeyAsync("good", "c-1", projectId: "p-2");
        var script = Script(h, (key, _) => key == "bad" ? ScriptedAttempt.Fail(InvoiceOcrErrorKind.KeyInvalid, HttpStatusCode.BadRequest) : null);
        var request = KeyPoolHarness.Request("c-1");

        var outcome = await h.Executor.ExecuteAsync(request, script.InvokeAsync, Ct);

        Assert.Equal(("good", 2, "ok:good"), (outcome.KeyId, outcome.Attempts, outcome.Value));
        Assert.Equal([("bad", 1), ("good", 2)], script.Calls.Select(c => (c.KeyId, c.AttemptNumber)));
        Assert.All(script.Calls, c => Assert.Equal(KeyPoolHarness.DefaultStart, c.At));
        var bad = (await h.Store.GetAsync("bad", Ct))!;
        Assert.Equal(ApiKeyStatus.Disabled, bad.Status);
        Assert.Equal(0, bad.TokensReserved);
        var retry = Assert.Single(await h.Store.ListByOperationAsync(request.OperationId, Ct));
        Assert.Equal((1, "bad", InvoiceOcrErrorKind.KeyInvalid, (int?)400, TimeSpan.Zero, true), (retry.AttemptNumber, retry.KeyId, retry.ErrorKind, retry.HttpStatus, retry.Delay, retry.IsFailover));
        Assert.All(h.Logs.GetSnapshot(), r => Assert.DoesNotContain("test-key-", r.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task ExecuteAsync_OnlyKeyInvalid_DisablesItAndSurfacesTheDisabledSeedMessage()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("bad", "c-1");
        var script = Script(h, (_, _) => ScriptedAttempt.Fail(InvoiceOcrErrorKind.KeyInvalid, HttpStatusCode.BadRequest));

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Executor.ExecuteAsync(KeyPoolHarness.Request("c-1"), script.InvokeAsync, Ct));

        Assert.Equal(InvoiceOcrErrorKind.KeyDisabled, ex.Kind);
        Assert.Equal("Your AI token is no longer available or has been disabled. Please contact support.", ex.Message);
        Assert.Single(script.Calls);
    }

    [Fact]
    public async Task ExecuteAsync_PerMinute429_RetriesTheKeyAfterTheServersDelay()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1");
        var script = Script(h, (_, index) => index == 0
            ? ScriptedAttempt.Fail(InvoiceOcrErrorKind.RateLimitedPerMinute, HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(26))
            : null);
        var request = KeyPoolHarness.Request("c-1");

        var call = h.Executor.ExecuteAsync(request, script.InvokeAsync, Ct);
        await h.Time.AdvanceWhenTimerStartsAsync(TimeSpan.FromSeconds(26));
        var outcome = await call;

        Assert.Equal(("k-1", 2), (outcome.KeyId, outcome.Attempts));
        Assert.Equal(TimeSpan.FromSeconds(26), script.Calls[1].At - script.Calls[0].At);
        var retry = Assert.Single(await h.Store.ListByOperationAsync(request.OperationId, Ct));
        Assert.Equal((1, InvoiceOcrErrorKind.RateLimitedPerMinute, (int?)429, TimeSpan.FromSeconds(26), false), (retry.AttemptNumber, retry.ErrorKind, retry.HttpStatus, retry.Delay, retry.IsFailover));
        Assert.Equal(KeyPoolHarness.DefaultStart.AddSeconds(26), (await h.Store.GetAsync("k-1", Ct))!.CooldownUntil);
    }

    [Fact]
    public async Task ExecuteAsync_PerDay429_SkipsTheProjectUntilPacificMidnight()
    {
        var midnight = new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("day-limited", "c-1", projectId: "p-1", weight: 1_000_000);
        await h.AddKeyAsync("other", "c-1", projectId: "p-2");
        var script = Script(h, (key, _) => key == "day-limited" && h.Time.GetUtcNow() < midnight
            ? ScriptedAttempt.Fail(InvoiceOcrErrorKind.QuotaExhaustedPerDay, HttpStatusCode.TooManyRequests)
            : null);

        var first = await h.Executor.ExecuteAsync(KeyPoolHarness.Request("c-1"), script.InvokeAsync, Ct);
        Assert.Equal(("other", 2), (first.KeyId, first.Attempts));
        Assert.Equal(midnight, (await h.Store.GetProjectAsync("p-1", Ct))!.BlockedUntil);

        for (var i = 0; i < 10; i++)
        {
            h.Time.Advance(TimeSpan.FromMinutes(30));
            var outcome = await h.Executor.ExecuteAsync(KeyPoolHarness.Request("c-1"), script.InvokeAsync, Ct);
            Assert.Equal(("other", 1), (outcome.KeyId, outcome.Attempts));
        }

        Assert.Single(script.Calls, c => c.KeyId == "day-limited");
        h.Time.SetUtcNow(midnight);
        var afterMidnight = await h.Executor.ExecuteAsync(KeyPoolHarness.Request("c-1"), script.InvokeAsync, Ct);
        Assert.Equal(("day-limited", 1), (afterMidnight.KeyId, afterMidnight.Attempts));
        Assert.Equal(ApiKeyStatus.Active, (await h.Store.GetAsync("day-limited", Ct))!.Status);
    }

    [Theory]
    [InlineData(InvoiceOcrErrorKind.InvalidDocument)]
    [InlineData(InvoiceOcrErrorKind.BadRequest)]
    [InlineData(InvoiceOcrErrorKind.ModelNotFound)]
    [InlineData(InvoiceOcrErrorKind.ContentBlocked)]
    [InlineData(InvoiceOcrErrorKind.OutputTruncated)]
    [InlineData(InvoiceOcrErrorKind.SchemaMismatch)]
    [InlineData(InvoiceOcrErrorKind.Unknown)]
    public async Task ExecuteAsync_NonRetryableFailure_MakesOneAttemptAndReleasesTheReservation(InvoiceOcrErrorKind kind)
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1", projectId: "p-1");
        await h.AddKeyAsync("k-2", "c-1", projectId: "p-2");
        var script = Script(h, (_, _) => ScriptedAttempt.Fail(kind, HttpStatusCode.BadRequest));
        var request = KeyPoolHarness.Request("c-1");

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Executor.ExecuteAsync(request, script.InvokeAsync, Ct));

        Assert.Equal(kind, ex.Kind);
        Assert.Single(script.Calls);
        Assert.Empty(await h.Store.ListByOperationAsync(request.OperationId, Ct));
        Assert.Empty(await h.Store.ListAsync(new UsageQuery("c-1"), Ct));
        foreach (var id in new[] { "k-1", "k-2" })
        {
            var key = (await h.Store.GetAsync(id, Ct))!;
            Assert.Equal((0L, 0L, ApiKeyStatus.Active), (key.TokensUsed, key.TokensReserved, key.Status));
            Assert.Equal(0, (await h.Store.GetWindowUsageAsync(QuotaScope.Key, id, Ct)).MinuteTokens);
        }
    }

    [Fact]
    public async Task ExecuteAsync_TransientFailures_BackOffExponentiallyAndLogEachRetry()
    {
        await using var h = KeyPoolHarness.Create(retry: o => o.UseJitter = false);
        await h.AddKeyAsync("k-1", "c-1");
        var script = Script(h, (_, index) => index < 2 ? ScriptedAttempt.Fail(InvoiceOcrErrorKind.ServerError, HttpStatusCode.ServiceUnavailable) : null);
        var request = KeyPoolHarness.Request("c-1");

        var call = h.Executor.ExecuteAsync(request, script.InvokeAsync, Ct);
        await h.Time.AdvanceWhenTimerStartsAsync(TimeSpan.FromSeconds(1));
        await h.Time.AdvanceWhenTimerStartsAsync(TimeSpan.FromSeconds(2));
        var outcome = await call;

        Assert.Equal(3, outcome.Attempts);
        var retries = await h.Store.ListByOperationAsync(request.OperationId, Ct);
        Assert.Equal(
            [(1, "k-1", InvoiceOcrErrorKind.ServerError, (int?)503, TimeSpan.FromSeconds(1), KeyPoolHarness.DefaultStart),
             (2, "k-1", InvoiceOcrErrorKind.ServerError, (int?)503, TimeSpan.FromSeconds(2), KeyPoolHarness.DefaultStart.AddSeconds(1))],
            retries.Select(r => (r.AttemptNumber, r.KeyId!, r.ErrorKind, r.HttpStatus, r.Delay, r.Timestamp)));
    }

    [Fact]
    public async Task ExecuteAsync_TransientFailureEveryTime_StopsAfterTheConfiguredRetries()
    {
        await using var h = KeyPoolHarness.Create(retry: o => o.UseJitter = false);
        await h.AddKeyAsync("k-1", "c-1");
        var script = Script(h, (_, _) => ScriptedAttempt.Fail(InvoiceOcrErrorKind.NetworkFailure));

        var call = h.Executor.ExecuteAsync(KeyPoolHarness.Request("c-1"), script.InvokeAsync, Ct);
        foreach (var seconds in new[] { 1, 2, 4 })
        {
            await h.Time.AdvanceWhenTimerStartsAsync(TimeSpan.FromSeconds(seconds));
        }

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => call);
        Assert.Equal(InvoiceOcrErrorKind.NetworkFailure, ex.Kind);
        Assert.Equal([1, 2, 3, 4], script.Calls.Select(c => c.AttemptNumber));
    }

    [Fact]
    public async Task ExecuteAsync_AttemptTimesOut_IsRetriedAsATimeout()
    {
        await using var h = KeyPoolHarness.Create(retry: o => o.UseJitter = false);
        await h.AddKeyAsync("k-1", "c-1");
        var script = new ScriptedAttempt(h.Time, async (attempt, index, ct) =>
        {
            if (index == 0)
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            }

            return KeyPoolHarness.Success(attempt);
        });
        var request = KeyPoolHarness.Request("c-1");

        var call = h.Executor.ExecuteAsync(request, script.InvokeAsync, Ct);
        await h.Time.AdvanceWhenTimerStartsAsync(TimeSpan.FromSeconds(120));
        await h.Time.AdvanceWhenTimerStartsAsync(TimeSpan.FromSeconds(1));
        var outcome = await call;

        Assert.Equal(2, outcome.Attempts);
        Assert.Equal(InvoiceOcrErrorKind.Timeout, Assert.Single(await h.Store.ListByOperationAsync(request.OperationId, Ct)).ErrorKind);
    }

    [Fact]
    public async Task ExecuteAsync_CircuitOfKeyAOpens_KeyBOfAnotherCompanyAndASiblingKeyAreUnaffected()
    {
        await using var h = KeyPoolHarness.Create(retry: o =>
        {
            o.MaxRetryAttempts = 0;
            o.CircuitBreakerMinimumThroughput = 2;
            o.CircuitBreakerFailureRatio = 0.5;
        });
        using var failovers = new MetricCollector<long>(h.Services.GetRequiredService<IMeterFactory>(), InvoiceOcrTelemetry.MeterName, InvoiceOcrTelemetry.FailoversInstrument);
        await h.AddKeyAsync("A", "c-1", projectId: "p-1", weight: 1_000_000);
        await h.AddKeyAsync("A2", "c-1", projectId: "p-2");
        await h.AddKeyAsync("B", "c-2", projectId: "p-3");
        var script = Script(h, (key, _) => key == "A" ? ScriptedAttempt.Fail(InvoiceOcrErrorKind.ServerError, HttpStatusCode.InternalServerError) : null);

        for (var i = 0; i < 2; i++)
        {
            var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Executor.ExecuteAsync(KeyPoolHarness.Request("c-1"), script.InvokeAsync, Ct));
            Assert.Equal(InvoiceOcrErrorKind.ServerError, ex.Kind);
        }

        Assert.True(h.Retry.IsCircuitOpen("A"));
        Assert.False(h.Retry.IsCircuitOpen("B"));
        var sibling = await h.Executor.ExecuteAsync(KeyPoolHarness.Request("c-1"), script.InvokeAsync, Ct);
        var other = await h.Executor.ExecuteAsync(KeyPoolHarness.Request("c-2"), script.InvokeAsync, Ct);

        Assert.Equal(("A2", 1), (sibling.KeyId, sibling.Attempts));
        Assert.Equal(("B", 1), (other.KeyId, other.Attempts));
        Assert.Equal(2, script.Calls.Count(c => c.KeyId == "A"));
        Assert.False(h.Retry.IsCircuitOpen("A2"));
        Assert.Equal(1, failovers.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(0, (await h.Store.GetAsync("A", Ct))!.TokensReserved);
    }

    [Fact]
    public async Task ExecuteAsync_BilledFailure_IsRecordedExactlyOnceAndCharged()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1", lifetimeTokenLimit: 100_000);
        var script = Script(h, (_, _) => ScriptedAttempt.Fail(InvoiceOcrErrorKind.OutputTruncated, HttpStatusCode.OK, billed: KeyPoolHarness.Usage(700)));
        var request = KeyPoolHarness.Request("c-1", tokens: 1000);

        await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Executor.ExecuteAsync(request, script.InvokeAsync, Ct));

        var row = Assert.Single(await h.Store.ListAsync(new UsageQuery("c-1"), Ct));
        Assert.Equal((UsageRecord.CreateId(request.OperationId, 1), UsageOutcome.Failure, (InvoiceOcrErrorKind?)InvoiceOcrErrorKind.OutputTruncated, 700L, "resp-billed"), (row.Id, row.Outcome, row.FailureKind, row.TotalTokens, row.ResponseId));
        var key = (await h.Store.GetAsync("k-1", Ct))!;
        Assert.Equal((700L, 0L), (key.TokensUsed, key.TokensReserved));
        Assert.Equal(700, (await h.Store.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).MinuteTokens);
    }

    [Fact]
    public async Task ExecuteAsync_BilledTransientFailureThenSuccess_RecordsOneRowPerBilledAttempt()
    {
        await using var h = KeyPoolHarness.Create(retry: o => o.UseJitter = false);
        await h.AddKeyAsync("k-1", "c-1");
        var script = Script(h, (_, index) => index == 0 ? ScriptedAttempt.Fail(InvoiceOcrErrorKind.ServerError, HttpStatusCode.InternalServerError, billed: KeyPoolHarness.Usage(300)) : null);
        var request = KeyPoolHarness.Request("c-1");

        var call = h.Executor.ExecuteAsync(request, script.InvokeAsync, Ct);
        await h.Time.AdvanceWhenTimerStartsAsync(TimeSpan.FromSeconds(1));
        await call;

        var rows = await h.Store.ListAsync(new UsageQuery("c-1"), Ct);
        Assert.Equal(
            [(UsageRecord.CreateId(request.OperationId, 1), UsageOutcome.Failure, 300L), (UsageRecord.CreateId(request.OperationId, 2), UsageOutcome.Success, 800L)],
            rows.Select(r => (r.Id, r.Outcome, r.TotalTokens)));
        Assert.Equal(1100, (await h.Store.GetAsync("k-1", Ct))!.TokensUsed);
    }

    [Fact]
    public async Task ExecuteAsync_ReplayedOperation_LeavesOneLedgerRowPerAttempt()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1");
        var script = Script(h, (_, _) => null);
        var request = KeyPoolHarness.Request("c-1");

        await h.Executor.ExecuteAsync(request, script.InvokeAsync, Ct);
        await h.Executor.ExecuteAsync(request, script.InvokeAsync, Ct);

        Assert.Single(await h.Store.ListAsync(new UsageQuery("c-1"), Ct));
    }

    [Fact]
    public async Task ExecuteAsync_UsageWithEveryTokenKind_RecordsEachInItsOwnColumn()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1");
        var usage = new TokenUsage
        {
            InputTokens = 101,
            OutputTokens = 102,
            TextTokens = 103,
            ImageTokens = 104,
            DocumentTokens = 105,
            CachedTokens = 106,
            ThoughtsTokens = 107,
            ToolUseTokens = 108,
            TotalTokens = 109,
            RawUsageJson = "{\"totalTokenCount\":109}",
        };
        var request = KeyPoolHarness.Request("c-1");

        await h.Executor.ExecuteAsync(
            request,
            (attempt, _) => Task.FromResult(new ModelAttemptResult<string>("answer", usage, "resp-1", "gemini-2.5-flash-001")),
            Ct);

        var row = Assert.Single(await h.Store.ListAsync(new UsageQuery("c-1"), Ct));
        Assert.Equal(
            (101L, 102L, 103L, 104L, 105L, 106L, 107L, 108L, 109L, "{\"totalTokenCount\":109}"),
            (row.InputTokens, row.OutputTokens, row.TextTokens, row.ImageTokens, row.DocumentTokens, row.CachedTokens, row.ThoughtsTokens, row.ToolUseTokens, row.TotalTokens, row.RawUsageJson));
        Assert.Equal((UsageRecord.CreateId(request.OperationId, 1), request.OperationId, 1, "k-1", "resp-1"), (row.Id, row.OperationId, row.Attempt, row.KeyId, row.ResponseId));
    }

    [Fact]
    public async Task ExecuteAsync_Success_RecordsUsageWithEveryFieldAndGenAiMetrics()
    {
        await using var h = KeyPoolHarness.Create();
        var meters = h.Services.GetRequiredService<IMeterFactory>();
        using var tokens = new MetricCollector<long>(meters, InvoiceOcrTelemetry.MeterName, InvoiceOcrTelemetry.TokenUsageInstrument);
        using var duration = new MetricCollector<double>(meters, InvoiceOcrTelemetry.MeterName, InvoiceOcrTelemetry.OperationDurationInstrument);
        await h.AddKeyAsync("k-1", "c-1", projectId: "p-9");
        var script = Script(h, (_, _) => null);
        var request = KeyPoolHarness.Request("c-1");

        var outcome = await h.Executor.ExecuteAsync(request, script.InvokeAsync, Ct);

        var row = Assert.Single(await h.Store.ListAsync(new UsageQuery("c-1"), Ct));
        Assert.Equal(UsageRecord.CreateId(request.OperationId, 1), row.Id);
        Assert.Equal((request.OperationId, 1, "c-1", "branch-1", "user-1", "k-1", "p-9"), (row.OperationId, row.Attempt, row.CompanyId, row.Branch, row.UserId, row.KeyId, row.ProjectId));
        Assert.Equal(("gemini-2.5-flash", "resp-k-1-1", "invoice.pdf", UsageOutcome.Success), (row.Model, row.ResponseId, row.FileName, row.Outcome));
        Assert.Equal((400L, 400L, 10L, 390L, 800L, 1), (row.InputTokens, row.OutputTokens, row.TextTokens, row.DocumentTokens, row.TotalTokens, row.RequestCount));
        Assert.Equal("{\"totalTokenCount\":800}", row.RawUsageJson);
        Assert.Equal((KeyPoolHarness.DefaultStart, KeyPoolHarness.DefaultStart), (row.StartedAt, row.CompletedAt));
        Assert.Equal(outcome.Usage, KeyPoolHarness.Usage(800));

        var measurements = tokens.GetMeasurementSnapshot();
        Assert.Equal([("input", 400L), ("output", 400L)], measurements.Select(m => ((string)m.Tags["gen_ai.token.type"]!, m.Value)));
        Assert.All(measurements, m =>
        {
            Assert.Equal("gemini-2.5-flash", m.Tags["gen_ai.request.model"]);
            Assert.Equal("generate_content", m.Tags["gen_ai.operation.name"]);
            Assert.Equal("gcp.gemini", m.Tags["gen_ai.provider.name"]);
            Assert.DoesNotContain(m.Tags.Values, v => v is string s && (s == "c-1" || s.Contains("test-key", StringComparison.Ordinal)));
        });
        Assert.Single(duration.GetMeasurementSnapshot());
    }

    [Fact]
    public async Task ExecuteAsync_CallerCancels_ReleasesTheReservation()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var script = new ScriptedAttempt(h.Time, async (attempt, _, ct) =>
        {
            started.SetResult();
            await Task.Delay(Timeout.InfiniteTimeSpan, ct);
            return KeyPoolHarness.Success(attempt);
        });
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);

        var call = h.Executor.ExecuteAsync(KeyPoolHarness.Request("c-1"), script.InvokeAsync, cts.Token);
        await started.Task;
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        Assert.Equal(0, (await h.Store.GetAsync("k-1", Ct))!.TokensReserved);
        Assert.Empty(await h.Store.ListAsync(new UsageQuery("c-1"), Ct));
    }

    [Fact]
    public async Task ExecuteAsync_NoKeyForCompany_ThrowsSeedMessageWithoutCallingTheModel()
    {
        await using var h = KeyPoolHarness.Create();
        var script = Script(h, (_, _) => null);

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.Executor.ExecuteAsync(KeyPoolHarness.Request("c-1"), script.InvokeAsync, Ct));

        Assert.Equal(InvoiceOcrErrorKind.NoKeyAvailable, ex.Kind);
        Assert.Empty(script.Calls);
    }
}
