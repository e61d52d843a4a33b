using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.Sdk.Pipeline;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.ModelCalls;

/// <summary>
/// <see cref="IModelCallRunner"/>: turns a <see cref="ModelRequest"/> into a general Gemini request and runs it through the
/// model-call pipeline (the same stages as an extraction), with the text answer reader.
/// </summary>
internal sealed partial class ModelCallRunner(
    ModelCallPipeline pipeline,
    IOptionsMonitor<InvoiceOcrOptions> options,
    ILogger<ModelCallRunner> logger) : IModelCallRunner
{
    public async Task<ModelResponse> CallAsync(ModelRequest request, ExtractionContext caller, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(caller);
        var settings = options.CurrentValue.Gemini;
        var model = request.Model ?? settings.Model;
        var maxOutputTokens = request.MaxOutputTokens ?? settings.MaxOutputTokens;
        if (maxOutputTokens <= 0)
        {
            throw new InvoiceOcrException(InvoiceOcrErrorKind.BadRequest, $"The output cap must be positive (it is {maxOutputTokens}).");
        }

        // Refused here, before a key is leased: a general request sends its data inline only (no Files API).
        var inlineBytes = request.Contents.SelectMany(static c => c.Parts).Sum(static p => GenerateContentHttpContent.Base64Length(p.Data.Length));
        if (inlineBytes > settings.InlineDataLimitBytes)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.BadRequest,
                $"The request's data parts need {inlineBytes} bytes of base64, over Gemini:InlineDataLimitBytes ({settings.InlineDataLimitBytes}); general calls send data inline only.");
        }

        var geminiRequest = new GeminiGenerateRequest(request.Contents, request.SystemInstruction, ToSchema(request.ResponseJsonSchema))
        {
            Model = model,
            MaxOutputTokens = request.MaxOutputTokens,
            JsonResponse = request.JsonResponse,
            Temperature = request.Temperature,
            TopP = request.TopP,
            TopK = request.TopK,
            StopSequences = request.StopSequences,
            Seed = request.Seed,
        };
        var operationId = CreateOperationId(caller);
        var call = new ModelCallContext(caller, operationId, geminiRequest, EstimatePromptTokens(request), maxOutputTokens)
        {
            AnswerReader = ModelAnswerReader.Text,
            IsReplayable = caller.IdempotencyKey is { Length: > 0 },
        };

        await pipeline.ExecuteAsync(call, cancellationToken).ConfigureAwait(false);
        if (call.Replayed is { } replayed)
        {
            LogReplayed(logger, operationId);
            return Replay(replayed);
        }

        var answer = call.Answer!;
        return new ModelResponse
        {
            Text = answer.Text,
            FinishReason = answer.FinishReason,
            Usage = call.Usage,
            Model = model,
            ModelVersion = answer.ModelVersion,
            ResponseId = answer.ResponseId,
            KeyId = call.KeyId,
            OperationId = operationId,
            Attempts = call.RequestsSent,
        };
    }

    /// <summary>
    /// The prompt's tokens to reserve, by the service's counting rules where the request tells enough: text, instruction and
    /// schema exactly; a text-like data part by the text rule; an image as one tile; any other data part (a PDF) as one page per
    /// started 100 KB. Only admission uses it: the settlement charges the billed usage.
    /// </summary>
    internal static long EstimatePromptTokens(ModelRequest request)
    {
        var tokens = GeminiTokenRules.EstimateTextTokens(request.SystemInstruction);
        if (request.ResponseJsonSchema is { } schema)
        {
            tokens += GeminiTokenRules.EstimateSchemaTokens(schema);
        }

        foreach (var part in request.Contents.SelectMany(static c => c.Parts))
        {
            tokens += part switch
            {
                { Text: { } text } => GeminiTokenRules.EstimateTextTokens(text),
                { MimeType: { } mime } when mime.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || mime.Contains("json", StringComparison.OrdinalIgnoreCase) || mime.Contains("xml", StringComparison.OrdinalIgnoreCase)
                    => GeminiTokenRules.EstimateTextTokens(Encoding.UTF8.GetString(part.Data.Span)),
                { MimeType: { } mime } when mime.StartsWith("image/", StringComparison.OrdinalIgnoreCase) => GeminiTokenRules.ImageTileTokens,
                _ => GeminiTokenRules.PdfPageTokens * Math.Max(1, (part.Data.Length + (100 * 1024) - 1) / (100 * 1024)),
            };
        }

        return tokens;
    }

    /// <summary>
    /// A unique id per call. With an idempotency key it is derived from the key and the company, in a namespace of its own, so a
    /// replay of the call claims the same operation and an extraction with the same key is never mistaken for it.
    /// </summary>
    internal static string CreateOperationId(ExtractionContext caller)
    {
        if (caller.IdempotencyKey is not { Length: > 0 } idempotencyKey)
        {
            return Guid.CreateVersion7().ToString("N");
        }

        var hash = SHA256.HashData(Encoding.UTF8.GetBytes("model-call\n" + caller.CompanyId + "\n" + idempotencyKey));
        return "call-" + Convert.ToHexStringLower(hash.AsSpan(0, 16));
    }

    private static JsonObject? ToSchema(JsonElement? schema) => schema switch
    {
        null => null,
        { ValueKind: JsonValueKind.Object } element => JsonObject.Create(element.Clone()),
        _ => throw new ArgumentException("The response schema must be a JSON object.", nameof(schema)),
    };

    private static ModelResponse Replay(OperationRecord operation)
    {
        if (operation.OutcomeJson is not { } json || StoredOutcome.Deserialize(json) is not { Text: { } text } stored)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.DuplicateOperation,
                $"A call with this idempotency key already succeeded for your company (operation {operation.OperationId}) and its answer is not stored; the model is not called again, which would bill it twice.");
        }

        return new ModelResponse
        {
            Text = text,
            FinishReason = stored.FinishReason,
            Usage = stored.ToUsage(),
            Model = stored.Model ?? string.Empty,
            ModelVersion = stored.ModelVersion,
            ResponseId = stored.ResponseId,
            KeyId = stored.KeyId,
            OperationId = operation.OperationId,
            Attempts = stored.Attempts,
            IsReplay = true,
        };
    }

    [LoggerMessage(2601, LogLevel.Information, "Model call {OperationId} is a replay of a successful call; returning its stored answer without a model call.")]
    private static partial void LogReplayed(ILogger logger, string operationId);
}
