using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;

namespace InvoiceOcr.Sdk.Caching.Redis;

/// <summary>
/// Reports the result cache's Redis: healthy when it answers a PING, degraded (not unhealthy) when it does not, because
/// extraction still works with the cache bypassed: the instance stays ready and only pays for more model calls.
/// </summary>
internal sealed class RedisResultCacheHealthCheck(RedisConnection connection) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (!connection.IsConfigured)
        {
            return HealthCheckResult.Healthy("The result cache has no Redis configured (in-process only).");
        }

        try
        {
            var multiplexer = await connection.GetAsync().ConfigureAwait(false);
            var latency = await multiplexer.GetDatabase().PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return HealthCheckResult.Healthy($"Redis answered in {latency.TotalMilliseconds:F1} ms.");
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            return new HealthCheckResult(
                context.Registration.FailureStatus,
                "Redis does not answer: the result cache is bypassed (in-process only) and extractions go on, without the shared cache's savings.",
                ex);
        }
    }
}
