using System.Diagnostics;
using InvoiceOcr.Sdk.Diagnostics;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// The model-call pipeline: one straight list of stages, linked once in the order a call takes them. Reading the
/// constructor tells the whole path of a call; docs/architecture.md lists the same stages, one file each.
/// </summary>
internal sealed class ModelCallPipeline
{
    private readonly ModelCallStage _first;

    public ModelCallPipeline(
        TotalTimeoutStage totalTimeout,
        OperationClaimStage operationClaim,
        OperationCompletionStage operationCompletion,
        RetryStage retry,
        BudgetStage budget,
        KeyLeaseStage keyLease,
        AttemptJournalStage attemptJournal,
        KeyBreakerStage keyBreaker,
        GeminiCallStage gemini,
        SettlementStage settlement)
    {
        ModelCallStage[] stages = [totalTimeout, operationClaim, operationCompletion, retry, budget, keyLease, attemptJournal, keyBreaker, gemini, settlement];
        for (var i = 0; i < stages.Length - 1; i++)
        {
            stages[i].Link(stages[i + 1]);
        }

        _first = stages[0];
    }

    /// <summary>Runs one logical model call; its outcome is on the context (a replayed operation sets <see cref="ModelCallContext.Replayed"/>).</summary>
    /// <param name="context">The call.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when the call is done.</returns>
    /// <exception cref="InvoiceOcrException">The call failed.</exception>
    public async ValueTask ExecuteAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        using var activity = InvoiceOcrMetrics.ActivitySource.StartActivity("invoiceocr.model_call", ActivityKind.Internal);
        activity?.SetTag("gen_ai.operation.name", InvoiceOcrMetrics.GenAiOperationName);
        activity?.SetTag("gen_ai.provider.name", InvoiceOcrMetrics.GenAiProviderName);
        activity?.SetTag("gen_ai.request.model", context.Model);
        activity?.SetTag("invoiceocr.operation_id", context.OperationId);
        try
        {
            await _first.InvokeAsync(context, cancellationToken).ConfigureAwait(false);
            activity?.SetTag("invoiceocr.attempts", context.RequestsSent);
            activity?.SetTag("invoiceocr.key_id", context.KeyId);
        }
        catch (InvoiceOcrException ex)
        {
            activity?.SetTag("invoiceocr.attempts", context.RequestsSent);
            activity?.SetTag("error.type", ex.Kind.ToString());
            activity?.SetStatus(ActivityStatusCode.Error, ex.Kind.ToString());
            throw;
        }
    }
}
