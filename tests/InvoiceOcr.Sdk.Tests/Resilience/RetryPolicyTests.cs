using InvoiceOcr.Sdk.Resilience;
using InvoiceOcr.Sdk.Tests.Keys;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Tests.Resilience;

public sealed class RetryPolicyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static (RetryPolicy Policy, TimerAwareTimeProvider Time) Create(Action<RetryOptions>? configure = null)
    {
        var options = new RetryOptions { UseJitter = false };
        configure?.Invoke(options);
        var time = new TimerAwareTimeProvider(KeyPoolHarness.DefaultStart);
        return (new RetryPolicy(Options.Create(options), time), time);
    }

    [Fact]
    public void RetryOptions_Defaults_MatchTheSeedAndSuitMultiPagePdfs()
    {
        var options = new RetryOptions();

        Assert.Equal(3, options.MaxRetryAttempts);
        Assert.Equal(TimeSpan.FromSeconds(1), options.InitialDelay);
        Assert.Equal(2.0, options.BackoffMultiplier);
        Assert.Equal(TimeSpan.FromSeconds(30), options.MaxDelay);
        Assert.Equal(TimeSpan.FromSeconds(120), options.AttemptTimeout);
        Assert.Equal(TimeSpan.FromSeconds(300), options.TotalTimeout);
        Assert.True(options.UseJitter);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 4)]
    [InlineData(5, 16)]
    [InlineData(6, 30)]
    [InlineData(20, 30)]
    public void GetBackoffDelay_WithoutJitter_GrowsExponentiallyUpToTheCap(int retry, int expectedSeconds)
    {
        var (policy, _) = Create();

        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds), policy.GetBackoffDelay(retry));
    }

    [Fact]
    public void GetBackoffDelay_WithJitter_StaysWithinTwentyPercentAndTheCap()
    {
        var (policy, _) = Create(o => o.UseJitter = true);
        var delays = Enumerable.Range(0, 500).Select(_ => policy.GetBackoffDelay(3)).ToList();

        Assert.All(delays, d => Assert.InRange(d, TimeSpan.FromSeconds(3.2), TimeSpan.FromSeconds(4.8)));
        Assert.True(delays.Distinct().Count() > 10);
        Assert.All(Enumerable.Range(0, 100).Select(_ => policy.GetBackoffDelay(10)), d => Assert.True(d <= TimeSpan.FromSeconds(30)));
    }

    [Theory]
    [InlineData(InvoiceOcrErrorKind.ServerError, RetryAction.Retry)]
    [InlineData(InvoiceOcrErrorKind.Timeout, RetryAction.Retry)]
    [InlineData(InvoiceOcrErrorKind.NetworkFailure, RetryAction.Retry)]
    [InlineData(InvoiceOcrErrorKind.RateLimitedPerMinute, RetryAction.Retry)]
    [InlineData(InvoiceOcrErrorKind.QuotaExhausted, RetryAction.Retry)]
    [InlineData(InvoiceOcrErrorKind.KeyInvalid, RetryAction.FailOver)]
    [InlineData(InvoiceOcrErrorKind.KeyRevoked, RetryAction.FailOver)]
    [InlineData(InvoiceOcrErrorKind.QuotaExhaustedPerDay, RetryAction.FailOver)]
    [InlineData(InvoiceOcrErrorKind.PermissionDenied, RetryAction.FailOver)]
    [InlineData(InvoiceOcrErrorKind.InvalidDocument, RetryAction.Stop)]
    [InlineData(InvoiceOcrErrorKind.BadRequest, RetryAction.Stop)]
    [InlineData(InvoiceOcrErrorKind.ModelNotFound, RetryAction.Stop)]
    [InlineData(InvoiceOcrErrorKind.ContentBlocked, RetryAction.Stop)]
    [InlineData(InvoiceOcrErrorKind.OutputTruncated, RetryAction.Stop)]
    [InlineData(InvoiceOcrErrorKind.SchemaMismatch, RetryAction.Stop)]
    [InlineData(InvoiceOcrErrorKind.NoKeyAvailable, RetryAction.Stop)]
    [InlineData(InvoiceOcrErrorKind.KeyExpired, RetryAction.Stop)]
    [InlineData(InvoiceOcrErrorKind.KeyDisabled, RetryAction.Stop)]
    [InlineData(InvoiceOcrErrorKind.LocalQuotaExceeded, RetryAction.Stop)]
    [InlineData(InvoiceOcrErrorKind.StoreUnavailable, RetryAction.Stop)]
    [InlineData(InvoiceOcrErrorKind.Unknown, RetryAction.Stop)]
    public void Classify_ErrorKind_FollowsTheTaxonomy(InvoiceOcrErrorKind kind, RetryAction expected)
    {
        var (policy, _) = Create();

        var decision = policy.Classify(new InvoiceOcrException(kind, "x"), backoffRetries: 0, failovers: 0);

        Assert.Equal(expected, decision.Action);
        Assert.Equal(expected == RetryAction.Retry ? TimeSpan.FromSeconds(1) : TimeSpan.Zero, decision.Delay);
    }

    [Fact]
    public void Classify_ServerDelay_IsHonouredOverTheComputedOneEvenAboveTheCap()
    {
        var (policy, _) = Create();

        var decision = policy.Classify(new InvoiceOcrException(InvoiceOcrErrorKind.RateLimitedPerMinute, "429") { RetryAfter = TimeSpan.FromSeconds(45) }, 2, 0);

        Assert.Equal(new RetryDecision(RetryAction.Retry, TimeSpan.FromSeconds(45)), decision);
    }

    [Fact]
    public void Classify_BudgetsUsedUp_Stops()
    {
        var (policy, _) = Create(o => o.MaxFailovers = 2);

        Assert.Equal(RetryAction.Stop, policy.Classify(new InvoiceOcrException(InvoiceOcrErrorKind.ServerError, "x"), backoffRetries: 3, failovers: 0).Action);
        Assert.Equal(RetryAction.Stop, policy.Classify(new InvoiceOcrException(InvoiceOcrErrorKind.KeyInvalid, "x"), backoffRetries: 0, failovers: 2).Action);
        Assert.Equal(RetryAction.Retry, policy.Classify(new InvoiceOcrException(InvoiceOcrErrorKind.ServerError, "x"), backoffRetries: 0, failovers: 2).Action);
    }

    [Fact]
    public void Classify_TransientKindMarkedNotTransientOrForeignException_Stops()
    {
        var (policy, _) = Create();

        Assert.Equal(RetryAction.Stop, policy.Classify(new InvoiceOcrException(InvoiceOcrErrorKind.RateLimitedPerMinute, "limit 0") { IsTransient = false }, 0, 0).Action);
        Assert.Equal(RetryAction.Stop, policy.Classify(new HttpRequestException("boom"), 0, 0).Action);
        Assert.Equal(RetryAction.FailOver, policy.Classify(new KeyCircuitOpenException("k-1"), 0, 0).Action);
    }

    [Fact]
    public async Task ExecuteAsync_FailoversAndRetries_AreCountedSeparatelyAndReported()
    {
        var (policy, time) = Create();
        var notices = new List<RetryNotice>();
        var contexts = new List<RetryAttemptContext>();

        var call = policy.ExecuteAsync(
            (context, _) =>
            {
                contexts.Add(context);
                return context.Attempt switch
                {
                    0 => throw new InvoiceOcrException(InvoiceOcrErrorKind.KeyInvalid, "bad key"),
                    1 => throw new InvoiceOcrException(InvoiceOcrErrorKind.ServerError, "503"),
                    _ => ValueTask.FromResult("done"),
                };
            },
            (notice, _) =>
            {
                notices.Add(notice);
                return ValueTask.CompletedTask;
            },
            Ct);
        await time.AdvanceWhenTimerStartsAsync(TimeSpan.FromSeconds(1));

        Assert.Equal("done", await call);
        Assert.Equal([new RetryAttemptContext(0, 0, 0), new RetryAttemptContext(1, 0, 1), new RetryAttemptContext(2, 1, 1)], contexts);
        Assert.Equal([RetryAction.FailOver, RetryAction.Retry], notices.Select(n => n.Decision.Action));
        Assert.Equal([TimeSpan.Zero, TimeSpan.FromSeconds(1)], notices.Select(n => n.Decision.Delay));
    }

    [Fact]
    public async Task ExecuteAsync_ServerDelaysPastTheTotalTimeout_FailsWithTimeout()
    {
        var (policy, time) = Create(o => o.TotalTimeout = TimeSpan.FromSeconds(300));
        var attempts = 0;

        var call = policy.ExecuteAsync<string>(
            (_, _) =>
            {
                attempts++;
                throw new InvoiceOcrException(InvoiceOcrErrorKind.RateLimitedPerMinute, "429") { RetryAfter = TimeSpan.FromSeconds(200) };
            },
            null,
            Ct);
        await time.AdvanceWhenTimerStartsAsync(TimeSpan.FromSeconds(200));
        await time.WaitForTimerAsync(TimeSpan.FromSeconds(200));
        time.Advance(TimeSpan.FromSeconds(100));

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => call);
        Assert.Equal(InvoiceOcrErrorKind.Timeout, ex.Kind);
        Assert.Contains("total timeout of 300 s", ex.Message, StringComparison.Ordinal);
        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task ExecuteWithKeyAsync_AttemptTimeout_ThrowsTimeoutNamingTheKey()
    {
        var (policy, time) = Create(o => o.AttemptTimeout = TimeSpan.FromSeconds(90));

        var call = policy.ExecuteWithKeyAsync<string>(
            "k-1",
            async ct =>
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, ct);
                return "never";
            },
            Ct).AsTask();
        await time.AdvanceWhenTimerStartsAsync(TimeSpan.FromSeconds(90));

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => call);
        Assert.Equal((InvoiceOcrErrorKind.Timeout, "k-1", true), (ex.Kind, ex.KeyId, ex.IsTransient));
    }

    [Fact]
    public async Task ExecuteWithKeyAsync_FailuresOfOneKey_OpenOnlyThatKeysCircuitUntilTheBreakEnds()
    {
        var (policy, time) = Create(o =>
        {
            o.CircuitBreakerMinimumThroughput = 3;
            o.CircuitBreakerBreakDuration = TimeSpan.FromSeconds(30);
        });

        for (var i = 0; i < 3; i++)
        {
            await Assert.ThrowsAsync<InvoiceOcrException>(() => policy.ExecuteWithKeyAsync<string>(
                "A", _ => throw new InvoiceOcrException(InvoiceOcrErrorKind.ServerError, "500"), Ct).AsTask());
        }

        Assert.True(policy.IsCircuitOpen("A"));
        Assert.False(policy.IsCircuitOpen("B"));
        Assert.Equal("b", await policy.ExecuteWithKeyAsync("B", _ => ValueTask.FromResult("b"), Ct));
        var open = await Assert.ThrowsAsync<KeyCircuitOpenException>(() => policy.ExecuteWithKeyAsync("A", _ => ValueTask.FromResult("a"), Ct).AsTask());
        Assert.Equal("A", open.KeyId);

        time.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal("a", await policy.ExecuteWithKeyAsync("A", _ => ValueTask.FromResult("a"), Ct));
        Assert.False(policy.IsCircuitOpen("A"));
    }

    [Fact]
    public async Task ExecuteWithKeyAsync_CallerFaultsAndQuota_NeverOpenTheCircuit()
    {
        var (policy, _) = Create(o => o.CircuitBreakerMinimumThroughput = 2);

        foreach (var kind in new[] { InvoiceOcrErrorKind.BadRequest, InvoiceOcrErrorKind.RateLimitedPerMinute, InvoiceOcrErrorKind.SchemaMismatch, InvoiceOcrErrorKind.BadRequest })
        {
            await Assert.ThrowsAsync<InvoiceOcrException>(() => policy.ExecuteWithKeyAsync<string>("A", _ => throw new InvoiceOcrException(kind, "x"), Ct).AsTask());
        }

        Assert.False(policy.IsCircuitOpen("A"));
    }
}
