using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace InvoiceOcr.Sdk.Caching.Redis;

/// <summary>
/// The one Redis connection of a service provider, shared by the cache and its health check. It never fails to start:
/// with <c>AbortOnConnectFail</c> off, StackExchange.Redis reconnects in the background while the cache is bypassed.
/// </summary>
internal sealed class RedisConnection(IOptions<ResultCacheOptions> options) : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ConnectionMultiplexer? _multiplexer;

    /// <summary>Gets a value indicating whether a Redis is configured at all.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(options.Value.RedisConfiguration);

    /// <summary>Gets a value indicating whether the connection is up now (false before the first use).</summary>
    public bool IsConnected => _multiplexer?.IsConnected == true;

    /// <summary>Returns the connection, creating it on first use.</summary>
    public async Task<IConnectionMultiplexer> GetAsync()
    {
        if (_multiplexer is { } existing)
        {
            return existing;
        }

        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_multiplexer is null)
            {
                var settings = options.Value;
                var configuration = ConfigurationOptions.Parse(settings.RedisConfiguration ?? throw new InvalidOperationException("InvoiceOcr:ResultCache:RedisConfiguration is not set."));
                configuration.AbortOnConnectFail = false;
                var timeout = (int)settings.RedisTimeout.TotalMilliseconds;
                // Connecting includes the client's own warm-up (a cold process can need seconds); operations keep the tight time-out.
                configuration.ConnectTimeout = Math.Max(timeout, 5000);
                configuration.SyncTimeout = timeout;
                configuration.AsyncTimeout = timeout;
                configuration.ConnectRetry = 1;
                _multiplexer = await ConnectionMultiplexer.ConnectAsync(configuration).ConfigureAwait(false);
            }

            return _multiplexer;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is { } multiplexer)
        {
            await multiplexer.DisposeAsync().ConfigureAwait(false);
        }

        _gate.Dispose();
    }
}
