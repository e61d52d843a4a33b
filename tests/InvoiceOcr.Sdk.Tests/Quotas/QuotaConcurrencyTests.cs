namespace InvoiceOcr.Sdk.Tests.Quotas;

public sealed class QuotaConcurrencyTests
{
    private const int Callers = 64;
    private const int Iterations = 200;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AcquireAsync_64ConcurrentCallersAgainst10RequestsPerMinute_AdmitExactly10EveryTime()
    {
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            var (store, tokens, _) = KeyPoolTestKit.Create(iteration);
            for (var k = 0; k < 3; k++)
            {
                await store.AddAsync(new ApiKey { Id = $"k-{k}", CompanyId = "c-1", ProjectId = "p-1", Secret = $"test-key-{k}-0000" }, Ct);
            }

            // The token budget would admit eleven 900-token reservations: the request limit is what must hold.
            const long budget = (10 * 1000) + 500;
            await store.SetProjectLimitsAsync("p-1", new QuotaLimits { RequestsPerMinute = 10, TokensPerMinute = budget }, Ct);

            var results = await RunConcurrentlyAsync(() => tokens.AcquireAsync(new KeyLeaseRequest("c-1", "gemini-2.5-flash", 900), Ct));

            var admitted = results.Where(r => r.Lease is not null).Select(r => r.Lease!).ToList();
            Assert.Equal(10, admitted.Count);
            Assert.All(results.Where(r => r.Error is not null), r =>
            {
                Assert.Equal(InvoiceOcrErrorKind.LocalQuotaExceeded, r.Error!.Kind);
                Assert.Equal(TimeSpan.FromSeconds(60), r.Error.RetryAfter); // when the 10 admitted leave the sliding minute
            });
            var window = await store.GetWindowUsageAsync(QuotaScope.Project, "p-1", Ct);
            Assert.Equal(10, window.MinuteRequests);
            Assert.InRange(window.MinuteTokens, 0, budget);
        }
    }

    [Fact]
    public async Task AcquireAsync_64ConcurrentCallersAgainstATokenBudget_NeverReserveMoreThanTheBudget()
    {
        for (var iteration = 0; iteration < Iterations; iteration++)
        {
            var (store, tokens, _) = KeyPoolTestKit.Create(iteration);
            await store.AddAsync(new ApiKey { Id = "k-1", CompanyId = "c-1", ProjectId = "p-1", Secret = "test-key-1-0000" }, Ct);
            await store.AddAsync(new ApiKey { Id = "k-2", CompanyId = "c-1", ProjectId = "p-1", Secret = "test-key-2-0000" }, Ct);
            const long budget = 5_500;
            await store.SetProjectLimitsAsync("p-1", new QuotaLimits { RequestsPerMinute = 10, TokensPerMinute = budget }, Ct);
            var random = new Random(iteration);
            var estimates = Enumerable.Range(0, Callers).Select(_ => (long)random.Next(400, 1500)).ToArray();
            var next = -1;

            var results = await RunConcurrentlyAsync(() =>
                tokens.AcquireAsync(new KeyLeaseRequest("c-1", "gemini-2.5-flash", estimates[Interlocked.Increment(ref next)]), Ct));

            var admitted = results.Where(r => r.Lease is not null).Select(r => r.Lease!).ToList();
            Assert.InRange(admitted.Count, 1, 10);
            Assert.InRange(admitted.Sum(l => l.ReservedTokens), 0, budget);

            // Settled usage may differ from the estimate; over-use is bounded by one reservation's worth.
            foreach (var lease in admitted)
            {
                await tokens.SettleAsync(lease, new TokenUsage { TotalTokens = (int)(lease.ReservedTokens * random.Next(50, 100) / 100) }, default, Ct);
            }

            var window = await store.GetWindowUsageAsync(QuotaScope.Project, "p-1", Ct);
            Assert.InRange(window.MinuteTokens, 0, budget + estimates.Max());
            Assert.Equal(admitted.Count, window.MinuteRequests);
        }
    }

    private static async Task<List<(KeyLease? Lease, InvoiceOcrException? Error)>> RunConcurrentlyAsync(Func<Task<KeyLease>> acquire)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var tasks = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            await start.Task;
            try
            {
                return ((KeyLease?)await acquire(), (InvoiceOcrException?)null);
            }
            catch (InvoiceOcrException ex)
            {
                return (null, ex);
            }
        })).ToArray();
        start.SetResult();
        return [.. await Task.WhenAll(tasks)];
    }
}
