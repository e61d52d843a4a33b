using System.Diagnostics.Metrics;
using System.Net;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.Sdk.Tests.Keys;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;

namespace InvoiceOcr.Sdk.Tests.Pipeline;

public sealed class ModelCallPipelineTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void Script(KeyPoolHarness h, Func<string, int, Task<GeminiGenerateResult>?> failures) =>
        h.Model.Script = (call, index, _) => failures(call.KeyId, index);

    [Fact]
    public async Task RunAsync_InvalidKeyThenGoodKey_FailsOverWithinOneCallWithoutWaiting()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("bad", "c-1", projectId: "p-1", weight: 1_000_000);
        await h.AddKeyAsync("good", "c-1", projectId: "p-2");
        Script(h, (key, _) => key == "bad" ? ScriptedModelClient.Fail(InvoiceOcrErrorKind.KeyInvalid, HttpStatusCode.BadRequest) : null);
        var request = KeyPoolHarness.Request("c-1");

        var outcome = await h.RunAsync(request, Ct);

        Assert.Equal(("good", 2, "ok:good"), (outcome.KeyId, outcome.Attempts, outcome.Value));
        Assert.Equal([("bad", 1), ("good", 2)], h.Model.Calls.Select(c => (c.KeyId, c.AttemptNumber)));
        Assert.All(h.Model.Calls, c => Assert.Equal(KeyPoolHarness.DefaultStart, c.At));
        var bad = (await h.Store.GetAsync("bad", Ct))!;
        Assert.Equal(ApiKeyStatus.Disabled, bad.Status);
        Assert.Equal(0, bad.TokensReserved);
        var retry = Assert.Single(await h.Store.ListByOperationAsync(request.OperationId, Ct));
        Assert.Equal((1, "bad", InvoiceOcrErrorKind.KeyInvalid, (int?)400, TimeSpan.Zero, true), (retry.AttemptNumber, retry.KeyId, retry.ErrorKind, retry.HttpStatus, retry.Delay, retry.IsFailover));
        Assert.All(h.Logs.GetSnapshot(), r => Assert.DoesNotContain("test-key-", r.Message, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RunAsync_OnlyKeyInvalid_DisablesItAndSurfacesTheDisabledSeedMessage()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("bad", "c-1");
        Script(h, (_, _) => ScriptedModelClient.Fail(InvoiceOcrErrorKind.KeyInvalid, HttpStatusCode.BadRequest));

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.RunAsync(KeyPoolHarness.Request("c-1"), Ct));

        Assert.Equal(InvoiceOcrErrorKind.KeyDisabled, ex.Kind);
        Assert.Equal("Your AI token is no longer available or has been disabled. Please contact support.", ex.Message);
        Assert.Single(h.Model.Calls);
    }

    [Fact]
    public async Task RunAsync_PerMinute429_RetriesTheKeyAfterTheServersDelay()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1");
        Script(h, (_, index) => index == 0
            ? ScriptedModelClient.Fail(InvoiceOcrErrorKind.RateLimitedPerMinute, HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(26))
            : null);
        var request = KeyPoolHarness.Request("c-1");

        var call = h.RunAsync(request, Ct);
        await h.Time.AdvanceWhenTimerStartsAsync(TimeSpan.FromSeconds(26));
        var outcome = await call;

        Assert.Equal(("k-1", 2), (outcome.KeyId, outcome.Attempts));
        Assert.Equal(TimeSpan.FromSeconds(26), h.Model.Calls[1].At - h.Model.Calls[0].At);
        var retry = Assert.Single(await h.Store.ListByOperationAsync(request.OperationId, Ct));
        Assert.Equal((1, InvoiceOcrErrorKind.RateLimitedPerMinute, (int?)429, TimeSpan.FromSeconds(26), false), (retry.AttemptNumber, retry.ErrorKind, retry.HttpStatus, retry.Delay, retry.IsFailover));
        Assert.Equal(KeyPoolHarness.DefaultStart.AddSeconds(26), (await h.Store.GetAsync("k-1", Ct))!.CooldownUntil);
    }

    [Fact]
    public async Task RunAsync_PerDay429_SkipsTheProjectUntilPacificMidnight()
    {
        var midnight = new DateTimeOffset(2026, 11, 24, 8, 0, 0, TimeSpan.Zero);
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("day-limited", "c-1", projectId: "p-1", weight: 1_000_000);
        await h.AddKeyAsync("other", "c-1", projectId: "p-2");
        Script(h, (key, _) => key == "day-limited" && h.Time.GetUtcNow() < midnight
            ? ScriptedModelClient.Fail(InvoiceOcrErrorKind.QuotaExhaustedPerDay, HttpStatusCode.TooManyRequests)
            : null);

        var first = await h.RunAsync(KeyPoolHarness.Request("c-1"), Ct);
        Assert.Equal(("other", 2), (first.KeyId, first.Attempts));
        Assert.Equal(midnight, (await h.Store.GetProjectAsync("p-1", Ct))!.BlockedUntil);

        for (var i = 0; i < 10; i++)
        {
            h.Time.Advance(TimeSpan.FromMinutes(30));
            var outcome = await h.RunAsync(KeyPoolHarness.Request("c-1"), Ct);
            Assert.Equal(("other", 1), (outcome.KeyId, outcome.Attempts));
        }

        Assert.Single(h.Model.Calls, c => c.KeyId == "day-limited");
        h.Time.SetUtcNow(midnight);
        var afterMidnight = await h.RunAsync(KeyPoolHarness.Request("c-1"), Ct);
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
    public async Task RunAsync_NonRetryableFailure_MakesOneAttemptAndReleasesTheReservation(InvoiceOcrErrorKind kind)
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1", projectId: "p-1");
        await h.AddKeyAsync("k-2", "c-1", projectId: "p-2");
        Script(h, (_, _) => ScriptedModelClient.Fail(kind, HttpStatusCode.BadRequest));
        var request = KeyPoolHarness.Request("c-1");

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.RunAsync(request, Ct));

        Assert.Equal(kind, ex.Kind);
        Assert.Single(h.Model.Calls);
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
    public async Task RunAsync_TransientFailures_BackOffExponentiallyAndLogEachRetry()
    {
        await using var h = KeyPoolHarness.Create(retry: o => o.UseJitter = false);
        await h.AddKeyAsync("k-1", "c-1");
        Script(h, (_, index) => index < 2 ? ScriptedModelClient.Fail(InvoiceOcrErrorKind.ServerError, HttpStatusCode.ServiceUnavailable) : null);
        var request = KeyPoolHarness.Request("c-1");

        var call = h.RunAsync(request, Ct);
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
    public async Task RunAsync_TransientFailureEveryTime_StopsAfterTheConfiguredRetries()
    {
        await using var h = KeyPoolHarness.Create(retry: o => o.UseJitter = false);
        await h.AddKeyAsync("k-1", "c-1");
        Script(h, (_, _) => ScriptedModelClient.Fail(InvoiceOcrErrorKind.NetworkFailure));

        var call = h.RunAsync(KeyPoolHarness.Request("c-1"), Ct);
        foreach (var seconds in new[] { 1, 2, 4 })
        {
            await h.Time.AdvanceWhenTimerStartsAsync(TimeSpan.FromSeconds(seconds));
        }

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => call);
        Assert.Equal(InvoiceOcrErrorKind.NetworkFailure, ex.Kind);
        Assert.Equal([1, 2, 3, 4], h.Model.Calls.Select(c => c.AttemptNumber));
    }

    [Fact]
    public async Task RunAsync_AttemptTimesOut_IsRetriedAsATimeout()
    {
        await using var h = KeyPoolHarness.Create(retry: o => o.UseJitter = false);
        await h.AddKeyAsync("k-1", "c-1");
        h.Model.Script = (call, index, ct) => index == 0 ? HangAsync(ct) : null;
        var request = KeyPoolHarness.Request("c-1");

        var call = h.RunAsync(request, Ct);
        await h.Time.AdvanceWhenTimerStartsAsync(TimeSpan.FromSeconds(120));
        await h.Time.AdvanceWhenTimerStartsAsync(TimeSpan.FromSeconds(1));
        var outcome = await call;

        Assert.Equal(2, outcome.Attempts);
        Assert.Equal(InvoiceOcrErrorKind.Timeout, Assert.Single(await h.Store.ListByOperationAsync(request.OperationId, Ct)).ErrorKind);

        // The timed-out request was sent: its outcome is unknown, so it is charged at its estimate and named, never released.
        var unknown = Assert.Single(await h.Store.ListUnknownOutcomeAttemptsAsync("c-1", Ct));
        Assert.Equal((request.OperationId, 1, "k-1", 1000L), (unknown.OperationId, unknown.AttemptNumber, unknown.KeyId, unknown.ChargedTokens));
        var key = (await h.Store.GetAsync("k-1", Ct))!;
        Assert.Equal((1800L, 0L), (key.TokensUsed, key.TokensReserved));
    }

    private static async Task<GeminiGenerateResult> HangAsync(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.InfiniteTimeSpan, cancellationToken);
        throw new InvalidOperationException("unreachable");
    }

    [Fact]
    public async Task RunAsync_CircuitOfKeyAOpens_KeyBOfAnotherCompanyAndASiblingKeyAreUnaffected()
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
        Script(h, (key, _) => key == "A" ? ScriptedModelClient.Fail(InvoiceOcrErrorKind.ServerError, HttpStatusCode.InternalServerError) : null);

        for (var i = 0; i < 2; i++)
        {
            var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.RunAsync(KeyPoolHarness.Request("c-1"), Ct));
            Assert.Equal(InvoiceOcrErrorKind.ServerError, ex.Kind);
        }

        var sibling = await h.RunAsync(KeyPoolHarness.Request("c-1"), Ct);
        var other = await h.RunAsync(KeyPoolHarness.Request("c-2"), Ct);

        Assert.Equal(("A2", 1), (sibling.KeyId, sibling.Attempts));
        Assert.Equal(("B", 1), (other.KeyId, other.Attempts));
        Assert.Equal(2, h.Model.Calls.Count(c => c.KeyId == "A"));
        // The sibling call met A's open circuit and failed over to A2: a real change of key, counted once.
        Assert.Equal(1, failovers.GetMeasurementSnapshot().Sum(m => m.Value));
        Assert.Equal(0, (await h.Store.GetAsync("A", Ct))!.TokensReserved);
    }

    [Fact]
    public async Task RunAsync_BilledFailure_IsRecordedExactlyOnceAndCharged()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1", lifetimeTokenLimit: 100_000);
        Script(h, (_, _) => ScriptedModelClient.Fail(InvoiceOcrErrorKind.OutputTruncated, HttpStatusCode.OK, billed: KeyPoolHarness.Usage(700)));
        var request = KeyPoolHarness.Request("c-1", tokens: 1000);

        await Assert.ThrowsAsync<InvoiceOcrException>(() => h.RunAsync(request, Ct));

        var row = Assert.Single(await h.Store.ListAsync(new UsageQuery("c-1"), Ct));
        Assert.Equal((request.OperationId, 1, UsageOutcome.Failure, (InvoiceOcrErrorKind?)InvoiceOcrErrorKind.OutputTruncated, 700L, "resp-billed"), (row.OperationId, row.Attempt, row.Outcome, row.FailureKind, row.TotalTokens, row.ResponseId));
        var key = (await h.Store.GetAsync("k-1", Ct))!;
        Assert.Equal((700L, 0L), (key.TokensUsed, key.TokensReserved));

        // The minute window keeps the billed prompt tokens (the scripted usage's half), the day every billed token.
        var window = await h.Store.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct);
        Assert.Equal((350L, 700L), (window.MinuteTokens, window.DayTokens));
    }

    [Fact]
    public async Task RunAsync_BilledTransientFailureThenSuccess_RecordsOneRowPerBilledAttempt()
    {
        await using var h = KeyPoolHarness.Create(retry: o => o.UseJitter = false);
        await h.AddKeyAsync("k-1", "c-1");
        Script(h, (_, index) => index == 0 ? ScriptedModelClient.Fail(InvoiceOcrErrorKind.ServerError, HttpStatusCode.InternalServerError, billed: KeyPoolHarness.Usage(300)) : null);
        var request = KeyPoolHarness.Request("c-1");

        var call = h.RunAsync(request, Ct);
        await h.Time.AdvanceWhenTimerStartsAsync(TimeSpan.FromSeconds(1));
        await call;

        var rows = await h.Store.ListAsync(new UsageQuery("c-1"), Ct);
        Assert.Equal(
            [(1, UsageOutcome.Failure, 300L), (2, UsageOutcome.Success, 800L)],
            rows.Select(r => (r.Attempt, r.Outcome, r.TotalTokens)));
        Assert.Equal(2, rows.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(1100, (await h.Store.GetAsync("k-1", Ct))!.TokensUsed);
    }

    [Fact]
    public async Task RunAsync_ReplayedOperation_LeavesOneLedgerRowPerAttempt()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1");
        Script(h, (_, _) => null);
        var request = KeyPoolHarness.Request("c-1");

        var first = await h.RunAsync(request, Ct);
        var replay = await h.RunAsync(request, Ct);

        Assert.False(first.Replayed);
        Assert.True(replay.Replayed);
        Assert.Equal(first.Value, replay.Value);
        Assert.Single(h.Model.Calls);
        Assert.Single(await h.Store.ListAsync(new UsageQuery("c-1"), Ct));
    }

    [Fact]
    public async Task RunAsync_UsageWithEveryTokenKind_RecordsEachInItsOwnColumn()
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

        h.Model.Script = (call, _, _) => Task.FromResult(ScriptedModelClient.Answer(call.KeyId, 1, usage, "resp-1"));
        await h.RunAsync(request, Ct);

        var row = Assert.Single(await h.Store.ListAsync(new UsageQuery("c-1"), Ct));
        Assert.Equal(
            (101L, 102L, 103L, 104L, 105L, 106L, 107L, 108L, 109L, "{\"totalTokenCount\":109}"),
            (row.InputTokens, row.OutputTokens, row.TextTokens, row.ImageTokens, row.DocumentTokens, row.CachedTokens, row.ThoughtsTokens, row.ToolUseTokens, row.TotalTokens, row.RawUsageJson));
        Assert.Equal((request.OperationId, 1, "k-1", "resp-1"), (row.OperationId, row.Attempt, row.KeyId, row.ResponseId));
    }

    [Fact]
    public async Task RunAsync_Success_RecordsUsageWithEveryFieldAndGenAiMetrics()
    {
        await using var h = KeyPoolHarness.Create();
        var meters = h.Services.GetRequiredService<IMeterFactory>();
        using var tokens = new MetricCollector<long>(meters, InvoiceOcrTelemetry.MeterName, InvoiceOcrTelemetry.TokenUsageInstrument);
        using var duration = new MetricCollector<double>(meters, InvoiceOcrTelemetry.MeterName, InvoiceOcrTelemetry.OperationDurationInstrument);
        await h.AddKeyAsync("k-1", "c-1", projectId: "p-9");
        Script(h, (_, _) => null);
        var request = KeyPoolHarness.Request("c-1");

        var outcome = await h.RunAsync(request, Ct);

        var row = Assert.Single(await h.Store.ListAsync(new UsageQuery("c-1"), Ct));
        Assert.Empty(await h.Store.ListUnknownOutcomeAttemptsAsync(null, Ct));
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
    public async Task RunAsync_CallerCancelsAfterTheRequestLeft_ChargesTheEstimateAsAnUnknownOutcome()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1");
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Model.Script = (_, _, ct) =>
        {
            started.SetResult();
            return HangAsync(ct);
        };
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var request = KeyPoolHarness.Request("c-1", tokens: 1200);

        var call = h.RunAsync(request, cts.Token);
        await started.Task;
        await cts.CancelAsync();

        // The service may have billed the request: it is charged at its estimate and named, not released and forgotten.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => call);
        var key = (await h.Store.GetAsync("k-1", Ct))!;
        Assert.Equal((1200L, 0L), (key.TokensUsed, key.TokensReserved));
        Assert.Empty(await h.Store.ListAsync(new UsageQuery("c-1"), Ct));
        var unknown = Assert.Single(await h.Store.ListUnknownOutcomeAttemptsAsync("c-1", Ct));
        Assert.Equal((request.OperationId, "k-1", 1200L), (unknown.OperationId, unknown.KeyId, unknown.ChargedTokens));
    }

    [Fact]
    public async Task RunAsync_ConnectionCutAfterTheRequestLeft_IsAnUnknownOutcomeAndTheRetryIsBilledOnce()
    {
        await using var h = KeyPoolHarness.Create(retry: o => o.UseJitter = false);
        await h.AddKeyAsync("k-1", "c-1");
        Script(h, (_, index) => index == 0 ? ScriptedModelClient.Fail(InvoiceOcrErrorKind.NetworkFailure) : null);
        var request = KeyPoolHarness.Request("c-1");

        var call = h.RunAsync(request, Ct);
        await h.Time.AdvanceWhenTimerStartsAsync(TimeSpan.FromSeconds(1));
        await call;

        var row = Assert.Single(await h.Store.ListAsync(new UsageQuery("c-1"), Ct));
        var unknown = Assert.Single(await h.Store.ListUnknownOutcomeAttemptsAsync("c-1", Ct));
        Assert.Equal((1, 2), (unknown.AttemptNumber, row.Attempt));
        Assert.NotEqual(unknown.AttemptId, row.Id);
        Assert.Equal(1000 + 800, (await h.Store.GetAsync("k-1", Ct))!.TokensUsed);
    }

    [Fact]
    public async Task RunAsync_NearTheLifetimeLimit_CapsTheOutputToWhatRemainsInsteadOfRefusing()
    {
        await using var h = KeyPoolHarness.Create();
        await h.Store.AddAsync(
            new ApiKey { Id = "k-1", CompanyId = "c-1", Secret = KeyPoolHarness.SecretOf("k-1"), ProjectId = "p-1", LifetimeTokenLimit = 20_000, TokensUsed = 14_000 },
            Ct);
        var request = KeyPoolHarness.Request("c-1", tokens: 1_000 + 8_192);

        var outcome = await h.RunAsync(request, promptTokens: 1_000, Ct);

        // 6,000 tokens remain: the prompt (1,000) and an output cap of 5,000 fit, where the full 8,192 did not.
        Assert.Equal("k-1", outcome.KeyId);
        Assert.Equal(5_000, Assert.Single(h.Model.Calls).MaxOutputTokens);
        Assert.Equal(14_800L, (await h.Store.GetAsync("k-1", Ct))!.TokensUsed);
    }

    [Fact]
    public async Task RunAsync_LessLeftThanThePromptAndTheMinimumOutput_IsRefusedWithoutAModelCall()
    {
        await using var h = KeyPoolHarness.Create(keyPool: o => o.MinimumOutputTokens = 2_048);
        await h.Store.AddAsync(
            new ApiKey { Id = "k-1", CompanyId = "c-1", Secret = KeyPoolHarness.SecretOf("k-1"), ProjectId = "p-1", LifetimeTokenLimit = 20_000, TokensUsed = 17_000 },
            Ct);

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.RunAsync(KeyPoolHarness.Request("c-1", tokens: 1_000 + 8_192), promptTokens: 1_000, Ct));

        Assert.Equal(InvoiceOcrErrorKind.LocalQuotaExceeded, ex.Kind);
        Assert.Empty(h.Model.Calls);
    }

    [Fact]
    public async Task RunAsync_CircuitOpenOnTheCompanysOnlyKey_CountsNoFailoverAndSaysCircuitOpen()
    {
        await using var h = KeyPoolHarness.Create(retry: o =>
        {
            o.MaxRetryAttempts = 0;
            o.CircuitBreakerMinimumThroughput = 2;
        });
        using var failovers = new MetricCollector<long>(h.Services.GetRequiredService<IMeterFactory>(), InvoiceOcrTelemetry.MeterName, InvoiceOcrTelemetry.FailoversInstrument);
        await h.AddKeyAsync("only", "c-1");
        Script(h, (_, _) => ScriptedModelClient.Fail(InvoiceOcrErrorKind.ServerError, HttpStatusCode.InternalServerError));
        for (var i = 0; i < 2; i++)
        {
            await Assert.ThrowsAsync<InvoiceOcrException>(() => h.RunAsync(KeyPoolHarness.Request("c-1"), Ct));
        }

        for (var i = 0; i < 8; i++)
        {
            var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.RunAsync(KeyPoolHarness.Request("c-1"), Ct));
            Assert.Equal(InvoiceOcrErrorKind.CircuitOpen, ex.Kind);
            Assert.DoesNotContain("only", ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal(2, h.Model.Calls.Count);
        Assert.Empty(failovers.GetMeasurementSnapshot());
        Assert.Equal(0, (await h.Store.GetAsync("only", Ct))!.TokensReserved);
    }

    [Fact]
    public async Task RunAsync_PerMinute429_CoolsDownEveryKeyOfTheProject()
    {
        await using var h = KeyPoolHarness.Create(retry: o => o.MaxRetryAttempts = 0);
        await h.AddKeyAsync("p1-a", "c-1", projectId: "p-1", weight: 1_000_000);
        await h.AddKeyAsync("p1-b", "c-1", projectId: "p-1");
        await h.AddKeyAsync("p2-a", "c-1", projectId: "p-2");
        Script(h, (_, _) => ScriptedModelClient.Fail(InvoiceOcrErrorKind.RateLimitedPerMinute, HttpStatusCode.TooManyRequests, TimeSpan.FromSeconds(20)));

        await Assert.ThrowsAsync<InvoiceOcrException>(() => h.RunAsync(KeyPoolHarness.Request("c-1"), Ct));

        var until = KeyPoolHarness.DefaultStart.AddSeconds(20);
        Assert.Equal(until, (await h.Store.GetAsync("p1-a", Ct))!.CooldownUntil);
        Assert.Equal(until, (await h.Store.GetAsync("p1-b", Ct))!.CooldownUntil);
        Assert.Null((await h.Store.GetAsync("p2-a", Ct))!.CooldownUntil);
    }

    [Fact]
    public async Task RunAsync_ServerAsksForALongerDelayThanTheCap_GivesUpAtOnceWithTheDelay()
    {
        await using var h = KeyPoolHarness.Create(retry: o => o.MaxServerRetryDelay = TimeSpan.FromSeconds(30));
        await h.AddKeyAsync("k-1", "c-1");
        Script(h, (_, _) => ScriptedModelClient.Fail(InvoiceOcrErrorKind.RateLimitedPerMinute, HttpStatusCode.TooManyRequests, TimeSpan.FromMinutes(5)));

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.RunAsync(KeyPoolHarness.Request("c-1"), Ct));

        Assert.Equal((InvoiceOcrErrorKind.RateLimitedPerMinute, (TimeSpan?)TimeSpan.FromMinutes(5)), (ex.Kind, ex.RetryAfter));
        Assert.Single(h.Model.Calls);
    }

    [Fact]
    public async Task RunAsync_ClaimLostAtTheFirstReservation_ReservesJournalsAndCallsNothing()
    {
        // No idempotency key, so no read before the lease: the claim is decided in the reservation itself, which another call holds.
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1");
        await h.Store.ClaimOperationAsync(new OperationClaim("op-held", "c-1", null, TimeSpan.FromMinutes(5)), Ct);

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.RunAsync(KeyPoolHarness.Request("c-1", operationId: "op-held"), Ct));

        Assert.Equal(InvoiceOcrErrorKind.OperationInProgress, ex.Kind);
        Assert.Empty(h.Model.Calls);
        Assert.Equal(0, (await h.Store.GetAsync("k-1", Ct))!.TokensReserved);
        Assert.Empty(await h.Store.ResolveInFlightAttemptsAsync(h.Time.GetUtcNow().AddHours(1), Ct));
    }

    [Fact]
    public async Task RunAsync_FirstLeaseClaimsTheOperation_ItsAttemptIsNumberedAfterAnEarlierRunsAttempts()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1");
        Script(h, (_, _) => null);
        await h.Store.ClaimOperationAsync(new OperationClaim("op-again", "c-1", null, TimeSpan.FromMinutes(5)), Ct);
        await h.Store.BeginAttemptAsync(
            new AttemptJournalEntry { AttemptId = "a-old", OperationId = "op-again", CompanyId = "c-1", KeyId = "k-1", AttemptNumber = 1, StartedAt = h.Time.GetUtcNow(), ExpiresAt = h.Time.GetUtcNow().AddMinutes(10) },
            Ct);
        await h.Store.EndAttemptAsync(new AttemptEnding("a-old", AttemptResult.NotBilled), Ct);
        await h.Store.CompleteOperationAsync(new OperationCompletion("op-again", false, null, InvoiceOcrErrorKind.Timeout), Ct);

        var outcome = await h.RunAsync(KeyPoolHarness.Request("c-1", operationId: "op-again"), Ct);

        Assert.False(outcome.Replayed);
        var row = Assert.Single(await h.Store.ListAsync(new UsageQuery("c-1"), Ct));
        Assert.Equal(2, row.Attempt);
        Assert.Equal(OperationState.Succeeded, (await h.Store.GetOperationAsync("op-again", Ct))!.State);
    }

    [Fact]
    public async Task RunAsync_SameOperationWhileTheFirstRuns_IsRefusedAsInProgressWithoutAModelCall()
    {
        await using var h = KeyPoolHarness.Create();
        await h.AddKeyAsync("k-1", "c-1");
        var release = new TaskCompletionSource<GeminiGenerateResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        h.Model.Script = (call, _, _) =>
        {
            started.TrySetResult();
            return release.Task;
        };
        var request = KeyPoolHarness.Request("c-1", operationId: "idem-race");

        var first = h.RunAsync(request, Ct);
        await started.Task;
        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.RunAsync(request, Ct));
        release.SetResult(ScriptedModelClient.Success("k-1", 1));
        await first;
        var replay = await h.RunAsync(request, Ct);

        Assert.Equal(InvoiceOcrErrorKind.OperationInProgress, ex.Kind);
        Assert.NotNull(ex.RetryAfter);
        Assert.True(replay.Replayed);
        Assert.Single(h.Model.Calls);
        Assert.Single(await h.Store.ListAsync(new UsageQuery("c-1"), Ct));
    }

    [Fact]
    public async Task RunAsync_NoKeyForCompany_ThrowsSeedMessageWithoutCallingTheModel()
    {
        await using var h = KeyPoolHarness.Create();
        Script(h, (_, _) => null);

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.RunAsync(KeyPoolHarness.Request("c-1"), Ct));

        Assert.Equal(InvoiceOcrErrorKind.NoKeyAvailable, ex.Kind);
        Assert.Empty(h.Model.Calls);
    }
}
