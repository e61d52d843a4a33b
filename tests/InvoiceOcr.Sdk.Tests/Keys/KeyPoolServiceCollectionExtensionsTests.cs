using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Tests.Keys;

public sealed class KeyPoolServiceCollectionExtensionsTests
{
    [Fact]
    public void AddInvoiceOcrKeyPool_NoStoreRegistered_UsesOneInMemoryStoreForEveryAbstraction()
    {
        using var services = new ServiceCollection().AddInvoiceOcrKeyPool().BuildServiceProvider(validateScopes: true);

        var store = services.GetRequiredService<InMemoryInvoiceOcrStore>();

        Assert.Same(store, services.GetRequiredService<IApiKeyStore>());
        Assert.Same(store, services.GetRequiredService<IQuotaStore>());
        Assert.Same(store, services.GetRequiredService<IUsageLedger>());
        Assert.Same(store, services.GetRequiredService<IRetryAttemptStore>());
        Assert.NotNull(services.GetRequiredService<ITokenProvider>());
        Assert.NotNull(services.GetRequiredService<IRetryPolicy>());
        Assert.NotNull(services.GetRequiredService<IUsageLogger>());
        Assert.Same(store, services.GetRequiredService<IOperationStore>());
        Assert.NotNull(services.GetRequiredService<IKeyPoolQueries>());
        Assert.Same(TimeProvider.System, services.GetRequiredService<TimeProvider>());
    }

    [Fact]
    public void AddInvoiceOcrKeyPool_StoreRegisteredFirst_KeepsIt()
    {
        var custom = new InMemoryInvoiceOcrStore();
        var collection = new ServiceCollection();
        collection.AddSingleton<IApiKeyStore>(custom);
        collection.AddInvoiceOcrKeyPool().AddInvoiceOcrKeyPool();
        using var services = collection.BuildServiceProvider();

        Assert.Same(custom, services.GetRequiredService<IApiKeyStore>());
        Assert.Single(collection, d => d.ServiceType == typeof(ITokenProvider));
    }

    [Fact]
    public void AddInvoiceOcrKeyPool_InvalidRetryOptions_FailValidation()
    {
        var collection = new ServiceCollection().AddInvoiceOcrKeyPool();
        collection.Configure<RetryOptions>(o =>
        {
            o.MaxRetryAttempts = -1;
            o.BackoffMultiplier = 0.5;
        });
        using var services = collection.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<RetryOptions>>().Value);

        Assert.Contains(ex.Failures, f => f.Contains(nameof(RetryOptions.MaxRetryAttempts), StringComparison.Ordinal));
        Assert.Contains(ex.Failures, f => f.Contains(nameof(RetryOptions.BackoffMultiplier), StringComparison.Ordinal));
    }

    [Fact]
    public void AddInvoiceOcrKeyPool_InvalidKeyPoolOptions_FailValidation()
    {
        var collection = new ServiceCollection().AddInvoiceOcrKeyPool();
        collection.Configure<KeyPoolOptions>(o => o.ReservationTimeToLive = TimeSpan.Zero);
        using var services = collection.BuildServiceProvider();

        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<KeyPoolOptions>>().Value);
    }

    [Fact]
    public void AddInvoiceOcrKeyPool_CrossFieldRules_FailValidationNamingTheFix()
    {
        var collection = new ServiceCollection().AddInvoiceOcrKeyPool();
        collection.Configure<RetryOptions>(o => o.AttemptTimeout = TimeSpan.FromMinutes(10));
        collection.Configure<KeyPoolOptions>(o => o.FallbackKeys.Add(new FallbackApiKeyOptions { Id = "fb", CompanyId = "c-1" }));
        using var services = collection.BuildServiceProvider();

        var retry = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<RetryOptions>>().Value);
        var pool = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<KeyPoolOptions>>().Value);

        Assert.Contains("AttemptTimeout must not be longer than RetryOptions.TotalTimeout", retry.Message, StringComparison.Ordinal);
        Assert.Contains("needs an Id, a CompanyId and a Secret", pool.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddInvoiceOcrKeyPool_ReservationTimeToLiveNotOutlivingTheTotalTimeout_FailsValidation()
    {
        var collection = new ServiceCollection().AddInvoiceOcrKeyPool();
        collection.Configure<RetryOptions>(o => o.TotalTimeout = TimeSpan.FromMinutes(5));
        collection.Configure<KeyPoolOptions>(o => o.ReservationTimeToLive = TimeSpan.FromMinutes(5));
        using var services = collection.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<KeyPoolOptions>>().Value);

        Assert.Contains("ReservationTimeToLive (00:05:00) must be longer than Retry:TotalTimeout (00:05:00)", ex.Message, StringComparison.Ordinal);
    }
}
