using StackExchange.Redis;

namespace InvoiceOcr.Sdk.Caching.Tests.Redis;

/// <summary>Reads the shared Redis directly, to wait for a result-cache entry that HybridCache writes in the background.</summary>
internal static class RedisEntries
{
    /// <summary>
    /// Waits until the shared Redis holds a result entry under <paramref name="prefix"/> (the hosts' instance name); the wait ends
    /// on the entry, never on a guess at the machine's speed, and is bounded by the test's cancellation.
    /// </summary>
    /// <returns>Whether the entry was already there at the first look.</returns>
    public static async Task<bool> WaitForAsync(string prefix, CancellationToken cancellationToken)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(RedisServerProcess.SharedConfiguration);
        var server = redis.GetServer(redis.GetEndPoints()[0]);
        for (var look = 0; ; look++)
        {
            await foreach (var _ in server.KeysAsync(pattern: prefix + "result:*"))
            {
                return look == 0;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
    }
}
