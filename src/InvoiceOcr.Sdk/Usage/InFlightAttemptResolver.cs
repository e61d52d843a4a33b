using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Usage;

/// <summary>
/// Names the attempts a crash left in flight: at start-up (before the host serves) and every
/// <see cref="KeyPoolOptions.ReservationReclaimInterval"/>, journaled attempts still in flight are resolved as outcome-unknown
/// through <see cref="IOperationStore.ResolveInFlightAttemptsAsync"/>: charged at their estimate and listed by
/// <see cref="IKeyPoolQueries.ListUnknownOutcomeAttemptsAsync"/>. Which ones is <see cref="KeyPoolOptions.InFlightAttempts"/>.
/// </summary>
internal sealed partial class InFlightAttemptResolver(
    IOperationStore operations,
    IOptions<KeyPoolOptions> options,
    TimeProvider timeProvider,
    ILogger<InFlightAttemptResolver> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loop;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        DateTimeOffset? startedBefore = options.Value.InFlightAttempts == InFlightAttemptResolution.AllAtStartup ? timeProvider.GetUtcNow() : null;
        _ = await ResolveOnceAsync(startedBefore, cancellationToken).ConfigureAwait(false);
        _loop = LoopAsync(_stopping.Token);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            await loop.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose() => _stopping.Dispose();

    /// <summary>Resolves once; never throws except on cancellation.</summary>
    internal async Task<int> ResolveOnceAsync(DateTimeOffset? startedBefore, CancellationToken cancellationToken)
    {
        try
        {
            var resolved = await operations.ResolveInFlightAttemptsAsync(startedBefore, cancellationToken).ConfigureAwait(false);
            foreach (var attempt in resolved)
            {
                LogResolved(logger, attempt.AttemptId, attempt.OperationId, attempt.KeyId, attempt.ChargedTokens);
            }

            return resolved.Count;
        }
#pragma warning disable CA1031 // A start-up or background pass must survive a store failure; it is logged and tried again next tick.
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
#pragma warning restore CA1031
        {
            LogResolveFailed(logger, ex.GetType().Name);
            return 0;
        }
    }

    private async Task LoopAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ReservationReclaimInterval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                _ = await ResolveOnceAsync(null, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping.
        }
    }

    [LoggerMessage(2308, LogLevel.Warning, "Attempt {AttemptId} of operation {OperationId} with key {KeyId} was in flight when its process stopped: outcome unknown, charged at its estimate of {ChargedTokens} tokens")]
    private static partial void LogResolved(ILogger logger, string attemptId, string operationId, string keyId, long chargedTokens);

    [LoggerMessage(2309, LogLevel.Warning, "Resolving in-flight attempts failed ({Error}); trying again at the next interval")]
    private static partial void LogResolveFailed(ILogger logger, string error);
}
