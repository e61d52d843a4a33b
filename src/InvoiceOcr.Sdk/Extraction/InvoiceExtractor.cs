using System.Security.Cryptography;
using System.Text;
using InvoiceOcr.Sdk.Documents;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.Sdk.Invoices;
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
    IModelCallExecutor executor,
    GeminiClient gemini,
    InvoiceValidator validator,
    ExtractionResultCache resultCache,
    IUsageLedger usageLedger,
    IRetryAttemptStore retryAttempts,
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
                var result = Complete(embedded, TokenUsage.None, inspected, operationId, started, model: null, outcome: null);
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

        var idempotent = context.IdempotencyKey is { Length: > 0 };
        var lastAttempt = 0;
        if (idempotent)
        {
            (var replay, lastAttempt) = await FindReplayAsync(operationId, inspected, settings, cancellationToken).ConfigureAwait(false);
            if (replay is not null)
            {
                LogReplayed(logger, operationId, inspected.FileName);
                return replay;
            }
        }

        var model = settings.Gemini.Model;
        var estimate = EstimateTokens(inspected, settings.Gemini.MaxOutputTokens);
        var request = new GeminiGenerateRequest(
            inspected.Content, inspected.MimeType, InvoicePrompt.SystemInstruction, InvoicePrompt.UserPrompt, InvoiceSchema.SharedResponseJsonSchema)
        {
            Model = model,
            DisplayName = inspected.FileName,
        };

        var outcome = await executor.ExecuteAsync(
            new ModelCallRequest(context, model, checked((int)Math.Min(estimate, int.MaxValue)), operationId, inspected.FileName)
            {
                FirstAttemptNumber = lastAttempt + 1,
            },
            async (attempt, ct) =>
            {
                var answer = (await gemini.GenerateContentAsync(request, attempt.ApiKey, ct).ConfigureAwait(false)).EnsureCompleted();
                Invoice invoice;
                try
                {
                    invoice = InvoiceJson.Deserialize(answer.Text);
                }
                catch (InvoiceOcrException ex) when (ex.BilledUsage is null)
                {
                    // The service billed the answer even though it is unusable: the ledger must still see it.
                    throw new InvoiceOcrException(ex.Kind, ex.Message, ex) { BilledUsage = answer.Usage, ResponseId = answer.ResponseId };
                }

                return new ModelAttemptResult<Invoice>(invoice, answer.Usage, answer.ResponseId, answer.ModelVersion);
            },
            cancellationToken).ConfigureAwait(false);

        var extracted = Complete(outcome.Value, outcome.Usage, inspected, operationId, started, model, outcome);
        if (idempotent)
        {
            resultCache.Add(operationId, extracted);
        }

        LogModelInvoice(logger, operationId, inspected.FileName, outcome.Attempts, outcome.Usage.TotalTokens);
        return extracted;
    }

    /// <summary>Tokens to reserve: the prompt by the service's own counting rules plus the output cap (thoughts count against it).</summary>
    internal static long EstimateTokens(InspectedDocument document, int maxOutputTokens)
    {
        var documentTokens = document.Kind switch
        {
            DocumentKind.Pdf => GeminiTokenRules.EstimatePdfTokens(document.PageCount ?? 1),
            _ when document.PixelWidth is { } width && document.PixelHeight is { } height => GeminiTokenRules.EstimateImageTokens(width, height),
            _ => GeminiTokenRules.PdfPageTokens,
        };
        return FixedPromptTokens + documentTokens + maxOutputTokens;
    }

    /// <summary>
    /// A unique id per extraction. With an idempotency key the id is derived from it and the company, so a replayed call
    /// maps to the same usage ids and the ledger keeps one row, never two.
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

    /// <summary>
    /// For an idempotent call: the held result of the operation's earlier success (or an error when the ledger shows a
    /// success whose result is gone), else the highest attempt number an earlier run of the operation used, so that this
    /// run's ledger rows continue after it rather than collide with it.
    /// </summary>
    private async Task<(InvoiceExtractionResult? Replay, int LastAttempt)> FindReplayAsync(
        string operationId, InspectedDocument document, InvoiceOcrOptions settings, CancellationToken cancellationToken)
    {
        if (resultCache.TryGet(operationId, out var cached))
        {
            if (!string.Equals(cached.DocumentSha256, document.Sha256, StringComparison.OrdinalIgnoreCase))
            {
                throw new InvoiceOcrException(
                    InvoiceOcrErrorKind.BadRequest,
                    $"The idempotency key of this extraction was already used by your company for another document{For(document.FileName)}. Use a new idempotency key for each document.");
            }

            return (cached with { IsReplay = true }, 0);
        }

        try
        {
            // Every retried attempt is in the retry log; billed attempts are in the ledger. One run numbers at most
            // 1 + MaxRetryAttempts + MaxFailovers attempts, so rows of earlier runs lie within that span after the last seen.
            var lastAttempt = 0;
            foreach (var retried in await retryAttempts.ListByOperationAsync(operationId, cancellationToken).ConfigureAwait(false))
            {
                lastAttempt = Math.Max(lastAttempt, retried.AttemptNumber);
            }

            var span = 1 + settings.Retry.MaxRetryAttempts + settings.Retry.MaxFailovers;
            for (var attempt = 1; attempt <= lastAttempt + span; attempt++)
            {
                if (await usageLedger.GetAsync(UsageRecord.CreateId(operationId, attempt), cancellationToken).ConfigureAwait(false) is not { } record)
                {
                    continue;
                }

                if (record.Outcome == UsageOutcome.Success)
                {
                    throw new InvoiceOcrException(
                        InvoiceOcrErrorKind.DuplicateOperation,
                        $"An extraction with this idempotency key already succeeded for your company (operation {operationId}, attempt {attempt}) and its result is no longer held; the model is not called again, which would bill the document twice.")
                    {
                        ResponseId = record.ResponseId,
                        KeyId = record.KeyId,
                    };
                }

                lastAttempt = Math.Max(lastAttempt, attempt);
            }

            return (null, lastAttempt);
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            // Availability over deduplication: the call goes ahead, as the key pool's fallback keys let it.
            LogReplayCheckFailed(logger, ex, operationId);
            return (null, 0);
        }
    }

    private InvoiceExtractionResult Complete(
        Invoice invoice, TokenUsage usage, InspectedDocument document, string operationId, long started, string? model, ModelCallOutcome<Invoice>? outcome) => new()
        {
            Invoice = invoice,
            Findings = validator.Validate(invoice),
            Usage = usage,
            Model = model,
            ModelVersion = outcome?.ModelVersion,
            ResponseId = outcome?.ResponseId,
            Attempts = outcome?.Attempts ?? 0,
            KeyId = outcome?.KeyId,
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

    [LoggerMessage(2104, LogLevel.Warning, "Extraction {OperationId}: the usage ledger is unreachable, so a replay cannot be ruled out; calling the model.")]
    private static partial void LogReplayCheckFailed(ILogger logger, Exception exception, string operationId);

    [LoggerMessage(2102, LogLevel.Information, "Extraction {OperationId} of '{FileName}' succeeded after {Attempts} attempt(s), {TotalTokens} tokens.")]
    private static partial void LogModelInvoice(ILogger logger, string operationId, string? fileName, int attempts, int totalTokens);
}
