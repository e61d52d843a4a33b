namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// One stage of the model-call pipeline. Like Microsoft.Extensions.AI's delegating clients, a stage does its part and hands
/// the call to the next; it never calls back up the chain. Stages are singletons: every per-call value is on the
/// <see cref="ModelCallContext"/>.
/// </summary>
internal abstract class ModelCallStage
{
    private ModelCallStage? _next;

    /// <summary>Gets the stage after this one (linked once, by <see cref="ModelCallPipeline"/>).</summary>
    protected ModelCallStage Next => _next ?? throw new InvalidOperationException($"{GetType().Name} is the last stage and has no next.");

    /// <summary>Runs this stage (and through it, the ones after it).</summary>
    /// <param name="context">The call.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the call passed through.</returns>
    public abstract ValueTask InvokeAsync(ModelCallContext context, CancellationToken cancellationToken);

    internal void Link(ModelCallStage next) => _next = next;
}
