using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.Sdk.Invoices;

namespace InvoiceOcr.Sdk.Pipeline;

/// <summary>
/// What the Gemini stage makes of an answer, chosen per call (<see cref="ModelCallContext.AnswerReader"/>): the extractor's
/// reader wants a complete answer that parses as an invoice; a general call's reader takes the answer as it is. A reader
/// that refuses an answer throws with the billed usage attached, so the settlement stage still records it.
/// </summary>
internal abstract class ModelAnswerReader
{
    /// <summary>The extractor's reader: a complete (<c>STOP</c>) answer whose text is the invoice JSON.</summary>
    public static ModelAnswerReader Invoice { get; } = new InvoiceReader();

    /// <summary>A general call's reader: any answer with a candidate (a cut or filtered one too, its finish reason tells); a blocked prompt or no candidate fails.</summary>
    public static ModelAnswerReader Text { get; } = new TextReader();

    /// <summary>Reads the answer onto the context, or throws an <see cref="InvoiceOcrException"/> that carries the billed usage.</summary>
    /// <param name="context">The call.</param>
    /// <param name="answer">The billed answer.</param>
    /// <param name="keyId">The attempt's key.</param>
    public abstract void Read(ModelCallContext context, GeminiGenerateResult answer, string keyId);

    private sealed class InvoiceReader : ModelAnswerReader
    {
        public override void Read(ModelCallContext context, GeminiGenerateResult answer, string keyId)
        {
            answer.EnsureCompleted();
            try
            {
                context.Invoice = InvoiceJson.Deserialize(answer.Text);
            }
            catch (InvoiceOcrException ex) when (ex.BilledUsage is null)
            {
                // The service billed the answer even though it is unusable: the ledger must still see it.
                throw new InvoiceOcrException(ex.Kind, ex.Message, ex) { BilledUsage = answer.Usage, ResponseId = answer.ResponseId, KeyId = keyId };
            }
        }
    }

    private sealed class TextReader : ModelAnswerReader
    {
        public override void Read(ModelCallContext context, GeminiGenerateResult answer, string keyId)
        {
            if (answer.BlockReason is not null || answer.CandidateCount == 0)
            {
                answer.EnsureCompleted();
            }
        }
    }
}
