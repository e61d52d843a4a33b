using InvoiceOcr.Sdk.Diagnostics;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.Sdk.Invoices;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// Stage 8: the model call: sends the request with the lease's key, reads the answer and its
/// usage and parses the invoice (<see cref="IModelClient"/>, the <see cref="GeminiClient"/>). Whatever happens (answer, error, cut connection, cancellation) is put on the context and
/// handed to the settlement stage, which records it and surfaces the failure.
/// </summary>
internal sealed class GeminiCallStage(IModelClient gemini, InvoiceOcrMetrics metrics, TimeProvider timeProvider) : ModelCallStage
{
    public override async ValueTask InvokeAsync(ModelCallContext context, CancellationToken cancellationToken)
    {
        var lease = context.Lease ?? throw new InvalidOperationException("The attempt has no lease.");
        var template = context.Request;
        var cap = context.LeasedMaxOutputTokens;
        var request = new GeminiGenerateRequest(template.Document, template.MimeType, template.SystemInstruction, template.Prompt, template.ResponseJsonSchema)
        {
            Model = template.Model,
            DisplayName = template.DisplayName,
            MaxOutputTokens = cap < context.MaxOutputTokens ? cap : template.MaxOutputTokens,
            AttemptId = context.AttemptId,
        };

        var started = timeProvider.GetTimestamp();
        context.RequestSent = true;
        context.RequestsSent++;
        try
        {
            var answer = await gemini.GenerateContentAsync(request, lease.Secret, cancellationToken).ConfigureAwait(false);
            context.Answer = answer;
            answer.EnsureCompleted();
            try
            {
                context.Invoice = InvoiceJson.Deserialize(answer.Text);
            }
            catch (InvoiceOcrException ex) when (ex.BilledUsage is null)
            {
                // The service billed the answer even though it is unusable: the ledger must still see it.
                throw new InvoiceOcrException(ex.Kind, ex.Message, ex) { BilledUsage = answer.Usage, ResponseId = answer.ResponseId, KeyId = lease.KeyId };
            }

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
