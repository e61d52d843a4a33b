using InvoiceOcr.Sdk.Extraction;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;

namespace InvoiceOcr.Sdk.Tests.Keys;

/// <summary>The real key pool, retry policy and executor over the in-memory store and a fake clock.</summary>
internal sealed class KeyPoolHarness : IAsyncDisposable
{
    /// <summary>02:00:20 Pacific (PST) on a Monday: 20 seconds into a UTC minute, far from Pacific midnight.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 11, 23, 10, 0, 20, TimeSpan.Zero);

    private KeyPoolHarness(ServiceProvider services, TimerAwareTimeProvider time)
    {
        Services = services;
        Time = time;
        Store = services.GetRequiredService<InMemoryInvoiceOcrStore>();
        Tokens = services.GetRequiredService<ITokenProvider>();
        Retry = services.GetRequiredService<IRetryPolicy>();
        Executor = services.GetRequiredService<IModelCallExecutor>();
        Logs = services.GetFakeLogCollector();
    }

    public ServiceProvider Services { get; }

    public TimerAwareTimeProvider Time { get; }

    public InMemoryInvoiceOcrStore Store { get; }

    public ITokenProvider Tokens { get; }

    public IRetryPolicy Retry { get; }

    public IModelCallExecutor Executor { get; }

    public FakeLogCollector Logs { get; }

    public static KeyPoolHarness Create(
        Action<KeyPoolOptions>? keyPool = null,
        Action<RetryOptions>? retry = null,
        DateTimeOffset? start = null,
        Action<IServiceCollection>? services = null)
    {
        var time = new TimerAwareTimeProvider(start ?? DefaultStart);
        var collection = new ServiceCollection();
        collection.AddSingleton<TimeProvider>(time);
        collection.AddFakeLogging();
        services?.Invoke(collection);
        collection.AddInvoiceOcrKeyPool();
        collection.Configure<KeyPoolOptions>(o =>
        {
            o.RandomSeed = 12345;
            keyPool?.Invoke(o);
        });
        if (retry is not null)
        {
            collection.Configure(retry);
        }

        return new KeyPoolHarness(collection.BuildServiceProvider(validateScopes: true), time);
    }

    public static string SecretOf(string keyId) => $"test-key-{keyId}-0000";

    public async Task<ApiKey> AddKeyAsync(
        string id,
        string companyId,
        string projectId = "project-1",
        int weight = 1,
        long? lifetimeTokenLimit = null,
        QuotaLimits? rates = null,
        DateTimeOffset? expiresAt = null,
        IReadOnlyList<string>? models = null,
        ApiKeyStatus status = ApiKeyStatus.Active)
    {
        var key = new ApiKey
        {
            Id = id,
            CompanyId = companyId,
            CompanyName = $"Company {companyId}",
            ProjectId = projectId,
            Secret = SecretOf(id),
            Weight = weight,
            LifetimeTokenLimit = lifetimeTokenLimit,
            Rates = rates ?? QuotaLimits.None,
            ExpiresAt = expiresAt,
            AllowedModels = models ?? [],
            Status = status,
        };
        Assert.True(await Store.AddAsync(key, TestContext.Current.CancellationToken));
        return key;
    }

    public static ModelCallRequest Request(string companyId, int tokens = 1000, string? operationId = null, string model = "gemini-2.5-flash") =>
        new(new ExtractionContext(companyId) { Branch = "branch-1", RequestedBy = "user-1" }, model, tokens, operationId ?? Guid.NewGuid().ToString("N"), "invoice.pdf");

    public static ModelAttemptResult<string> Success(ModelCallAttempt attempt, int totalTokens = 800) =>
        new($"ok:{attempt.KeyId}", Usage(totalTokens), $"resp-{attempt.KeyId}-{attempt.AttemptNumber}", "gemini-2.5-flash-001");

    public static TokenUsage Usage(int totalTokens) => new()
    {
        InputTokens = totalTokens / 2,
        OutputTokens = totalTokens - (totalTokens / 2),
        TextTokens = 10,
        DocumentTokens = (totalTokens / 2) - 10,
        TotalTokens = totalTokens,
        RawUsageJson = $"{{\"totalTokenCount\":{totalTokens}}}",
    };

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
