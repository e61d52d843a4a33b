using InvoiceOcr.Sdk.Diagnostics;
using InvoiceOcr.Sdk.Gemini;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// Stage 8: the model call: sends the request with the lease's key, reads the answer and its
/// usage (<see cref="IModelClient"/>, the <see cref="GeminiClient"/>) and hands it to the call's <see cref="ModelAnswerReader"/>
/// (the invoice for the extractor, the text as it is for a general call). Whatever happens (answer, error, cut connection, cancellation) is put on the context and
/// handed to the settlement stage, which records it and surfaces the failure.
/// </summary>
internal sealed class GeminiCallStage(IModelClient gemini, InvoiceOcrMetrics metrics, TimeProvider timeProvider) : ModelCallStage
{
    public override async ValueTask InvokeAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        var lease = context.Lease ?? throw new InvalidOperationException("The attempt has no lease.");
        var cap = context.LeasedMaxOutputTokens;
        // A copy of the request only when the lease shrinks the output cap; the attempt's id travels beside it.
        var request = cap < context.MaxOutputTokens ? context.Request.ForAttempt(cap, context.AttemptId) : context.Request;

        var started = timeProvider.GetTimestamp();
        context.RequestSent = true;
        context.RequestsSent++;
        try
        {
            var answer = await gemini.GenerateContentAsync(request, lease.Secret, context.AttemptId, cancellationToken).ConfigureAwait(false);
            context.Answer = answer;
            context.AnswerReader.Read(context, answer, lease.KeyId);
            context.Usage = answer.Usage;
            context.KeyId = lease.KeyId;
            metrics.RecordDuration(context.Model, answer.ModelVersion, timeProvider.GetElapsedTime(started), null);
        }
#pragma warning disable CA1031 // Every failure goes to the settlement stage, which rethrows it after the bookkeeping.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            context.AttemptFault = ex;
            if (ex is InvoiceOcrException { Kind: InvoiceOcrErrorKind.OutputTruncated or InvoiceOcrErrorKind.SchemaMismatch } unusable &&
                context.Answer is { Text.Length: > 0 } partial)
            {
                unusable.PartialAnswerText = partial.Text; // a batch job keeps what the cut-off answer holds
            }

            metrics.RecordDuration(context.Model, context.Answer?.ModelVersion, timeProvider.GetElapsedTime(started), (ex as InvoiceOcrException)?.Kind ?? InvoiceOcrErrorKind.Unknown);
        }

        await Next.InvokeAsync(context, cancellationToken).ConfigureAwait(false);
    }
}
