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
        return (new RetryPolicy(Options.Create(options)), time);
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
    [InlineData(InvoiceOcrErrorKind.CircuitOpen, RetryAction.FailOver)]
    [InlineData(InvoiceOcrErrorKind.OperationInProgress, RetryAction.Stop)]
    [InlineData(InvoiceOcrErrorKind.KeyExceeded, RetryAction.Stop)]
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
    public void Decide_ErrorKind_FollowsTheTaxonomy(InvoiceOcrErrorKind kind, RetryAction expected)
    {
        var (policy, _) = Create();

        var decision = policy.Decide(Failure(new InvoiceOcrException(kind, "x"), 0, 0));

        Assert.Equal(expected, decision.Action);
        Assert.Equal(expected == RetryAction.Retry ? TimeSpan.FromSeconds(1) : TimeSpan.Zero, decision.Delay);
    }

    [Fact]
    public void Decide_ServerDelay_IsHonouredOverTheComputedOneEvenAboveTheCap()
    {
        var (policy, _) = Create();

        var decision = policy.Decide(Failure(new InvoiceOcrException(InvoiceOcrErrorKind.RateLimitedPerMinute, "429") { RetryAfter = TimeSpan.FromSeconds(45) }, 2, 0));

        Assert.Equal(new RetryDecision(RetryAction.Retry, TimeSpan.FromSeconds(45)), decision);
    }

    [Fact]
    public void Decide_BudgetsUsedUp_Stops()
    {
        var (policy, _) = Create(o => o.MaxFailovers = 2);

        Assert.Equal(RetryAction.Stop, policy.Decide(Failure(new InvoiceOcrException(InvoiceOcrErrorKind.ServerError, "x"), 3, 0)).Action);
        Assert.Equal(RetryAction.Stop, policy.Decide(Failure(new InvoiceOcrException(InvoiceOcrErrorKind.KeyInvalid, "x"), 0, 2)).Action);
        Assert.Equal(RetryAction.Retry, policy.Decide(Failure(new InvoiceOcrException(InvoiceOcrErrorKind.ServerError, "x"), 0, 2)).Action);
    }

    [Fact]
    public void Decide_TransientKindMarkedNotTransientOrForeignException_Stops()
    {
        var (policy, _) = Create();

        Assert.Equal(RetryAction.Stop, policy.Decide(Failure(new InvoiceOcrException(InvoiceOcrErrorKind.RateLimitedPerMinute, "limit 0") { IsTransient = false }, 0, 0)).Action);
        Assert.Equal(RetryAction.FailOver, policy.Decide(Failure(new InvoiceOcrException(InvoiceOcrErrorKind.CircuitOpen, "open") { IsTransient = false })).Action);
    }

    [Fact]
    public void Decide_ServerDelayLongerThanTheCap_GivesUp()
    {
        var (policy, _) = Create(o => o.MaxServerRetryDelay = TimeSpan.FromSeconds(60));

        Assert.Equal(RetryDecision.RetryAfter(TimeSpan.FromSeconds(60)), policy.Decide(Failure(new InvoiceOcrException(InvoiceOcrErrorKind.RateLimitedPerMinute, "429") { RetryAfter = TimeSpan.FromSeconds(60) })));
        Assert.Equal(RetryDecision.GiveUp, policy.Decide(Failure(new InvoiceOcrException(InvoiceOcrErrorKind.RateLimitedPerMinute, "429") { RetryAfter = TimeSpan.FromSeconds(61) })));
    }

    private static RetryFailure Failure(InvoiceOcrException error, int retries = 0, int failovers = 0) => new(error, retries + failovers + 1, retries, failovers);
}
