using System.Security.Cryptography;
using System.Text;
using InvoiceOcr.Sdk.Documents;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.Sdk.Invoices;
using InvoiceOcr.Sdk.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Extraction;

/// <summary>
/// The extraction pipeline: intake, embedded e-invoice, token estimate, the model call under the key pool and retry
/// policy, parsing and validation. Each step lives in its feature folder; this class only composes them.
/// </summary>
internal sealed partial class InvoiceExtractor(
    DocumentInspector inspector,
    EInvoiceReader eInvoiceReader,
    ModelCallPipeline pipeline,
    InvoiceValidator validator,
    IOptionsMonitor<InvoiceOcrOptions> options,
    TimeProvider timeProvider,
    ILogger<InvoiceExtractor> logger) : IInvoiceExtractor
{
    /// <summary>Prompt tokens that do not depend on the document: instruction, prompt and schema, by the calibrated rules.</summary>
    private static readonly long FixedPromptTokens =
        GeminiTokenRules.EstimateTextTokens(InvoicePrompt.SystemInstruction) +
        GeminiTokenRules.EstimateTextTokens(InvoicePrompt.UserPrompt) +
        GeminiTokenRules.EstimateSchemaTokens(InvoiceSchema.ResponseJsonSchemaText);

    public async Task<InvoiceExtractionResult> ExtractAsync(InvoiceDocument document, ExtractionContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(document);
        ArgumentNullException.ThrowIfNull(context);

        var started = timeProvider.GetTimestamp();
        var settings = options.CurrentValue;
        var operationId = CreateOperationId(context);

        // Rejected documents throw here: no key is leased and nothing is billed. In ModelOnly mode nothing reads a PDF's
        // attachments, so intake does not look for them.
        var readEmbeddedFiles = settings.EInvoiceMode != EInvoiceMode.ModelOnly;
        var inspected = await inspector.InspectAsync(document, readEmbeddedFiles, cancellationToken).ConfigureAwait(false);

        if (inspected.Kind == DocumentKind.Pdf && readEmbeddedFiles)
        {
            if (eInvoiceReader.ReadEmbeddedFiles(inspected.EmbeddedFiles) is { } embedded)
            {
                var result = Complete(embedded, TokenUsage.None, inspected, operationId, started, model: null);
                LogEmbeddedInvoice(logger, operationId, inspected.FileName, embedded.Source.Format);
                return result;
            }

            if (settings.EInvoiceMode == EInvoiceMode.EmbeddedOnly)
            {
                throw new InvalidDocumentException(
                    DocumentRejectionReason.NoEmbeddedInvoice,
                    $"The document{For(inspected.FileName)} embeds no Factur-X, ZUGFeRD, XRechnung or UBL invoice, and EInvoiceMode is EmbeddedOnly.")
                { FileName = inspected.FileName };
            }
        }

        var model = settings.Gemini.Model;
        var request = CreateRequest(inspected, model);
        var call = new ModelCallContext(context, operationId, request, EstimatePromptTokens(inspected), settings.Gemini.MaxOutputTokens)
        {
            DocumentSha256 = inspected.Sha256,
            FileName = inspected.FileName,
            IsReplayable = context.IdempotencyKey is { Length: > 0 },
        };

        // One call through the pipeline: claim, retries, leases, journal, Gemini, settlement and completion all happen there.
        await pipeline.ExecuteAsync(call, cancellationToken).ConfigureAwait(false);

        if (call.Replayed is { } replayed)
        {
            LogReplayed(logger, operationId, inspected.FileName);
            return Replay(replayed, inspected, started);
        }

        var extracted = Complete(call.Invoice!, call.Usage, inspected, operationId, started, model, call.Answer?.ModelVersion, call.Answer?.ResponseId, call.RequestsSent, call.KeyId);
        LogModelInvoice(logger, operationId, inspected.FileName, call.RequestsSent, call.Usage.TotalTokens);
        return extracted;
    }

    /// <summary>The model request of a document: the same for an interactive call and a request of a Gemini batch, so both answer alike.</summary>
    internal static GeminiGenerateRequest CreateRequest(InspectedDocument inspected, string model) => new(
        inspected.Content, inspected.MimeType, InvoicePrompt.SystemInstruction, InvoicePrompt.UserPrompt, InvoiceSchema.SharedResponseJsonSchema)
    {
        Model = model,
        DisplayName = inspected.FileName,
    };

    /// <summary>Tokens to reserve: the prompt by the service's own counting rules plus the output cap (thoughts count against it).</summary>
    internal static long EstimateTokens(InspectedDocument document, int maxOutputTokens) => EstimatePromptTokens(document) + maxOutputTokens;

    /// <summary>The prompt's tokens by the service's own counting rules: instruction, prompt, schema and the document.</summary>
    internal static long EstimatePromptTokens(InspectedDocument document)
    {
        var documentTokens = document.Kind switch
        {
            DocumentKind.Pdf => GeminiTokenRules.EstimatePdfTokens(document.PageCount ?? 1),
            _ when document.PixelWidth is { } width && document.PixelHeight is { } height => GeminiTokenRules.EstimateImageTokens(width, height),
            _ => GeminiTokenRules.PdfPageTokens,
        };
        return FixedPromptTokens + documentTokens;
    }

    /// <summary>
    /// A unique id per extraction. With an idempotency key the id is derived from it and the company, so a replayed call
    /// claims the same operation in the store (and is answered from it); ledger rows are per attempt, never per operation.
    /// </summary>
    internal static string CreateOperationId(ExtractionContext context)
    {
        if (context.IdempotencyKey is not { Length: > 0 } idempotencyKey)
        {
            return Guid.CreateVersion7().ToString("N");
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(context.CompanyId + "\n" + idempotencyKey));
        return "idem-" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    private InvoiceExtractionResult Replay(OperationRecord operation, InspectedDocument document, long started)
    {
        // An outcome without the invoice is one stored for a call that had no idempotency key (StoredOutcome.Serialize):
        // no later call can present its operation id, but should one, it is refused like an outcome not stored at all.
        if (operation.OutcomeJson is not { } json || StoredOutcome.Deserialize(json) is not { Invoice.Length: > 0 } stored)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.DuplicateOperation,
                $"An extraction with this idempotency key already succeeded for your company (operation {operation.OperationId}) and its result is not stored; the model is not called again, which would bill the document twice.");
        }

        return Complete(InvoiceJson.Deserialize(stored.Invoice), stored.ToUsage(), document, operation.OperationId, started, stored.Model, stored.ModelVersion, stored.ResponseId, stored.Attempts, stored.KeyId)
            with { IsReplay = true };
    }

    private InvoiceExtractionResult Complete(
        Invoice invoice,
        TokenUsage usage,
        InspectedDocument document,
        string operationId,
        long started,
        string? model,
        string? modelVersion = null,
        string? responseId = null,
        int attempts = 0,
        string? keyId = null) => new()
        {
            Invoice = invoice,
            Findings = validator.Validate(invoice),
            Usage = usage,
            Model = model,
            ModelVersion = modelVersion,
            ResponseId = responseId,
            Attempts = attempts,
            KeyId = keyId,
            Duration = timeProvider.GetElapsedTime(started),
            OperationId = operationId,
            DocumentKind = document.Kind,
            PageCount = document.PageCount,
            DocumentSha256 = document.Sha256,
        };

    private static string For(string? fileName) => fileName is null ? string.Empty : $" '{fileName}'";

    [LoggerMessage(2101, LogLevel.Information, "Extraction {OperationId} of '{FileName}' read the embedded {Format} e-invoice; no model call.")]
    private static partial void LogEmbeddedInvoice(ILogger logger, string operationId, string? fileName, EInvoiceFormat? format);

    [LoggerMessage(2103, LogLevel.Information, "Extraction {OperationId} of '{FileName}' is a replay of a successful extraction; returning its result without a model call.")]
    private static partial void LogReplayed(ILogger logger, string operationId, string? fileName);

    [LoggerMessage(2102, LogLevel.Information, "Extraction {OperationId} of '{FileName}' succeeded after {Attempts} attempt(s), {TotalTokens} tokens.")]
    private static partial void LogModelInvoice(ILogger logger, string operationId, string? fileName, int attempts, int totalTokens);
}
