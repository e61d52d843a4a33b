using Microsoft.Extensions.Options;
using Polly;
using Polly.Timeout;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>Stage 1: the whole call, every attempt and delay included, ends at <see cref="RetryOptions.TotalTimeout"/> (a Polly v8 timeout).</summary>
internal sealed class TotalTimeoutStage : ModelCallStage
{
    private readonly ResiliencePipeline _timeout;
    private readonly TimeSpan _totalTimeout;

    public TotalTimeoutStage(IOptions<RetryOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _totalTimeout = options.Value.TotalTimeout;
        _timeout = new ResiliencePipelineBuilder { TimeProvider = timeProvider }
            .AddTimeout(new TimeoutStrategyOptions { Timeout = _totalTimeout, Name = "InvoiceOcr.TotalTimeout" })
            .Build();
    }

    public override async ValueTask InvokeAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        try
        {
            await _timeout.ExecuteAsync(
                static (state, ct) => state.Stage.Next.InvokeAsync(state.Context, ct),
                (Stage: this, Context: context),
                cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutRejectedException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.Timeout,
                $"The model call did not complete within the total timeout of {_totalTimeout.TotalSeconds:0.###} s.",
                ex)
            {
                IsTransient = false,
                KeyId = context.LastKeyId,
            };
        }
    }
}
