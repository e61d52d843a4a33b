using InvoiceOcr.Sdk.Pricing;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// Stage 4b (per attempt, before the key lease): reserves the attempt's maximum cost against the company's monthly budget
/// (<see cref="BudgetAdmission"/>) and, when the attempt ends, settles it to the billed cost, releases it when nothing was
/// billed, or charges it when the request left and no answer came back. A refusal is
/// <see cref="InvoiceOcrErrorKind.BudgetExceeded"/>, which the retry policy does not retry.
/// </summary>
internal sealed class BudgetStage(BudgetAdmission budgets) : ModelCallStage
{
    public override async ValueTask InvokeAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        var hold = await budgets.ReserveAsync(context.Caller.CompanyId, context.Model, context.PromptTokens, context.MaxOutputTokens, cancellationToken).ConfigureAwait(false);
        if (hold is null)
        {
            await Next.InvokeAsync(context, cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            await Next.InvokeAsync(context, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            var error = ex as InvoiceOcrException;
            var billed = error?.BilledUsage;
            await budgets.SettleAsync(hold, billed, billed is null && context.RequestSent && IsUnanswered(ex)).ConfigureAwait(false);
            throw;
        }

        // A call answered from the operation's stored outcome (its claim found it completed) sent nothing: released.
        await budgets.SettleAsync(hold, context.Answer?.Usage, outcomeUnknown: context.Answer is null && context.Replayed is null).ConfigureAwait(false);
    }

    /// <summary>The settlement stage's rule: a cut connection, a timeout or a cancellation after the request left may have been billed; an error status was not.</summary>
    private static bool IsUnanswered(Exception fault) => fault switch
    {
        InvoiceOcrException e => e.HttpStatus is null || (int)e.HttpStatus.Value is >= 200 and < 300,
        _ => true,
    };
}
