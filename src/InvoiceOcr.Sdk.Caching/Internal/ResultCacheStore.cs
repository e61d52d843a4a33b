using InvoiceOcr.Sdk.Caching.Redis;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.Hybrid;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Caching.Internal;

/// <summary>
/// The result cache's own HybridCache, built in a private service provider so that its size-capped in-process level and its
/// Redis level are the SDK's alone: the application's <c>IMemoryCache</c>, <c>IDistributedCache</c> and <c>HybridCache</c>
/// are neither used nor changed (a size limit on the application's memory cache would make every entry without a size throw).
/// </summary>
internal sealed class ResultCacheStore : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public ResultCacheStore(
        IOptions<ResultCacheOptions> options,
        RedisConnection connection,
        ResultCacheMetrics metrics,
        TimeProvider timeProvider,
        ILoggerFactory loggerFactory)
    {
        var settings = options.Value;
        var services = new ServiceCollection();
        services.AddSingleton(loggerFactory);
        services.AddSingleton(typeof(ILogger<>), typeof(Logger<>));
        services.AddSingleton(timeProvider);
        services.AddSingleton<IMemoryCache>(new MemoryCache(
            Options.Create(new MemoryCacheOptions { SizeLimit = settings.LocalSizeLimitBytes, Clock = null }),
            loggerFactory));
        if (connection.IsConfigured)
        {
            var redis = new RedisCache(Options.Create(new RedisCacheOptions
            {
                InstanceName = settings.RedisInstanceName,
                ConnectionMultiplexerFactory = async () => await connection.GetAsync().ConfigureAwait(false),
            }));
            Bypass = new BypassingDistributedCache(redis, connection, metrics, options, timeProvider, loggerFactory.CreateLogger<BypassingDistributedCache>());
            services.AddSingleton<IDistributedCache>(Bypass);
        }

        services.AddHybridCache(hybrid =>
        {
            hybrid.MaximumPayloadBytes = settings.MaximumEntryBytes;
            hybrid.DefaultEntryOptions = new HybridCacheEntryOptions { Expiration = settings.Expiration, LocalCacheExpiration = settings.LocalExpiration };
        }).AddSerializer<CachedExtraction, CachedExtractionSerializer>();
        _services = services.BuildServiceProvider();
        Cache = _services.GetRequiredService<HybridCache>();
    }

    /// <summary>Gets the cache.</summary>
    public HybridCache Cache { get; }

    /// <summary>Gets the Redis level's bypass, or <see langword="null"/> without Redis.</summary>
    public BypassingDistributedCache? Bypass { get; }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
