using InvoiceOcr.Sdk.Caching.Internal;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Caching.Redis;

/// <summary>
/// The second level as HybridCache sees it: Redis while it answers, nothing while it does not. A failed or disconnected
/// Redis makes reads miss and writes do nothing for <see cref="ResultCacheOptions.RedisRetryAfter"/>, so an outage costs
/// at most one <see cref="ResultCacheOptions.RedisTimeout"/> per retry period and extraction carries on (the cache is a
/// saving, never a dependency).
/// </summary>
internal sealed partial class BypassingDistributedCache(
    IDistributedCache redis,
    RedisConnection connection,
    ResultCacheMetrics metrics,
    IOptions<ResultCacheOptions> options,
    TimeProvider timeProvider,
    ILogger<BypassingDistributedCache> logger) : IDistributedCache
{
    private long _bypassUntilTicks;

    /// <summary>Gets a value indicating whether Redis is bypassed now.</summary>
    public bool Bypassed => timeProvider.GetUtcNow().UtcTicks < Interlocked.Read(ref _bypassUntilTicks);

    public byte[]? Get(string key) => GetAsync(key).GetAwaiter().GetResult();

    public Task<byte[]?> GetAsync(string key, CancellationToken token = default) => GetCoreAsync(key, token).AsTask();

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => SetAsync(key, value, options).GetAwaiter().GetResult();

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default) =>
        RunAsync(static (redis, state, ct) => redis.SetAsync(state.key, state.value, state.options, ct), (key, value, options), token);

    public void Refresh(string key) => RefreshAsync(key).GetAwaiter().GetResult();

    public Task RefreshAsync(string key, CancellationToken token = default) =>
        RunAsync(static (redis, key, ct) => redis.RefreshAsync(key, ct), key, token);

    public void Remove(string key) => RemoveAsync(key).GetAwaiter().GetResult();

    public Task RemoveAsync(string key, CancellationToken token = default) =>
        RunAsync(static (redis, key, ct) => redis.RemoveAsync(key, ct), key, token);

    private async ValueTask<byte[]?> GetCoreAsync(string key, CancellationToken token)
    {
        if (!await IsAvailableAsync().ConfigureAwait(false))
        {
            return null;
        }

        try
        {
            return await redis.GetAsync(key, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
        {
            Trip(ex);
            return null;
        }
    }

    private async Task RunAsync<TState>(Func<IDistributedCache, TState, CancellationToken, Task> action, TState state, CancellationToken token)
    {
        if (!await IsAvailableAsync().ConfigureAwait(false))
        {
            return;
        }

        try
        {
            await action(redis, state, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !token.IsCancellationRequested)
        {
            Trip(ex);
        }
    }

    private async ValueTask<bool> IsAvailableAsync()
    {
        if (Bypassed)
        {
            metrics.RedisBypassed();
            return false;
        }

        // The first use connects, without throwing when Redis is down. A connection that is not up yet is not taken as
        // a failure here (it may still be connecting): the operation itself fails within RedisTimeout and trips the bypass.
        await connection.GetAsync().ConfigureAwait(false);
        return true;
    }

    private void Trip(Exception error)
    {
        var until = timeProvider.GetUtcNow() + options.Value.RedisRetryAfter;
        Interlocked.Exchange(ref _bypassUntilTicks, until.UtcTicks);
        metrics.RedisFailed();
        LogRedisBypassed(logger, options.Value.RedisRetryAfter, error.GetType().Name, error);
    }

    [LoggerMessage(5101, LogLevel.Warning, "Redis (the result cache's second level) failed ({Reason}); the cache uses only its in-process level for {RetryAfter}. Extractions go on.")]
    private static partial void LogRedisBypassed(ILogger logger, TimeSpan retryAfter, string reason, Exception exception);
}
