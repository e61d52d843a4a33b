using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.Sdk.Invoices;
using InvoiceOcr.Sdk.Pipeline;
using InvoiceOcr.Sdk.Tests.Pipeline;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Testing;

namespace InvoiceOcr.Sdk.Tests.Keys;

/// <summary>A logical call for the harness: who asks, the estimate to reserve and the operation id.</summary>
internal sealed record HarnessRequest(ExtractionContext Context, string Model, int EstimatedTokens, string OperationId, string? FileName);

/// <summary>What a call through the pipeline produced.</summary>
internal sealed record HarnessOutcome(string? KeyId, int Attempts, string? Value, TokenUsage Usage, bool Replayed);

/// <summary>The real key pool, retry policy and model-call pipeline over the in-memory store and a fake clock; the model is scripted.</summary>
internal sealed class KeyPoolHarness : IAsyncDisposable
{
    /// <summary>02:00:20 Pacific (PST) on a Monday: 20 seconds into a UTC minute, far from Pacific midnight.</summary>
    public static readonly DateTimeOffset DefaultStart = new(2026, 11, 23, 10, 0, 20, TimeSpan.Zero);

    private static readonly GeminiGenerateRequest Document = new(new byte[] { 1, 2, 3 }, "application/pdf", "instruction", "prompt", InvoiceSchema.SharedResponseJsonSchema)
    {
        Model = "gemini-2.5-flash",
    };

    private KeyPoolHarness(ServiceProvider services, TimerAwareTimeProvider time)
    {
        Services = services;
        Time = time;
        Store = services.GetRequiredService<InMemoryInvoiceOcrStore>();
        Tokens = services.GetRequiredService<ITokenProvider>();
        Retry = services.GetRequiredService<IRetryPolicy>();
        Pipeline = services.GetRequiredService<ModelCallPipeline>();
        Logs = services.GetFakeLogCollector();
    }

    public ServiceProvider Services { get; }

    public TimerAwareTimeProvider Time { get; }

    public InMemoryInvoiceOcrStore Store { get; }

    public ITokenProvider Tokens { get; }

    public IRetryPolicy Retry { get; }

    public FakeLogCollector Logs { get; }

    public ScriptedModelClient Model { get; private set; } = null!;

    internal ModelCallPipeline Pipeline { get; }

    public static KeyPoolHarness Create(
        Action<KeyPoolOptions>? keyPool = null,
        Action<RetryOptions>? retry = null,
        DateTimeOffset? start = null,
        Action<IServiceCollection>? services = null,
        Func<ScriptedCall, int, CancellationToken, Task<GeminiGenerateResult>?>? model = null)
    {
        var time = new TimerAwareTimeProvider(start ?? DefaultStart);
        var collection = new ServiceCollection();
        collection.AddSingleton<TimeProvider>(time);
        collection.AddFakeLogging();
        var client = new ScriptedModelClient(time, model ?? ((_, _, _) => null));
        collection.AddSingleton<IModelClient>(client);
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

        return new KeyPoolHarness(collection.BuildServiceProvider(validateScopes: true), time) { Model = client };
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

    public static HarnessRequest Request(string companyId, int tokens = 1000, string? operationId = null, string model = "gemini-2.5-flash") =>
        new(new ExtractionContext(companyId) { Branch = "branch-1", RequestedBy = "user-1" }, model, tokens, operationId ?? Guid.NewGuid().ToString("N"), "invoice.pdf");

    /// <summary>Runs one logical call through the pipeline: the whole estimate is the output cap (the prompt counts 0).</summary>
    public Task<HarnessOutcome> RunAsync(HarnessRequest request, CancellationToken cancellationToken) => RunAsync(request, 0, cancellationToken);

    /// <summary>Runs one logical call through the pipeline with a prompt estimate; the rest of the estimate is the output cap.</summary>
    public async Task<HarnessOutcome> RunAsync(HarnessRequest request, int promptTokens, CancellationToken cancellationToken)
    {
        var context = new ModelCallContext(request.Context, request.OperationId, Document, promptTokens, request.EstimatedTokens - promptTokens)
        {
            FileName = request.FileName,
            DocumentSha256 = "00",
        };
        await Pipeline.ExecuteAsync(context, cancellationToken);
        if (context.Replayed is { OutcomeJson: { } json })
        {
            var stored = StoredOutcome.Deserialize(json);
            return new HarnessOutcome(stored.KeyId, stored.Attempts, InvoiceJson.Deserialize(stored.Invoice).InvoiceId, stored.ToUsage(), true);
        }

        return new HarnessOutcome(context.KeyId, context.RequestsSent, context.Invoice?.InvoiceId, context.Usage, false);
    }

    public static TokenUsage Usage(int totalTokens) => ScriptedModelClient.Usage(totalTokens);

    public ValueTask DisposeAsync() => Services.DisposeAsync();
}
