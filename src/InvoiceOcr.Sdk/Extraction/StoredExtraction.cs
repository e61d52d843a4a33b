using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using InvoiceOcr.Sdk.Invoices;
using InvoiceOcr.Sdk.Pipeline;

namespace InvoiceOcr.Sdk;

/// <summary>
/// A succeeded extraction in the form the SDK stores it: the invoice in the SDK's invoice JSON and the bookkeeping of the
/// call that paid for it (the same outcome an idempotent replay restores), plus the operation and document facts.
/// Findings are not stored: <see cref="Deserialize"/> recomputes them under the current validation options. For stores
/// of results outside the SDK, such as the result cache (InvoiceOcr.Sdk.Caching), which key them by
/// <see cref="PromptVersion"/> and <see cref="SchemaVersion"/> so a result is never served to a different request.
/// </summary>
public static class StoredExtraction
{
    private static readonly string Schema = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(InvoiceSchema.ResponseJsonSchemaText)).AsSpan(0, 6));

    /// <summary>Gets the version of the prompt the SDK sends with a document; it changes whenever the prompt's text does.</summary>
    public static string PromptVersion => InvoicePrompt.Version;

    /// <summary>Gets the version of the response schema the SDK sends: a hash of the JSON schema, so any change of the invoice's shape changes it.</summary>
    public static string SchemaVersion => Schema;

    /// <summary>Serializes a succeeded extraction (not its findings, nor its duration or cache status).</summary>
    /// <param name="result">The result.</param>
    /// <returns>The stored form (JSON).</returns>
    public static string Serialize(InvoiceExtractionResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var usage = result.Usage;
        return JsonSerializer.Serialize(
            new StoredExtractionEnvelope
            {
                OperationId = result.OperationId,
                DocumentKind = result.DocumentKind,
                PageCount = result.PageCount,
                DocumentSha256 = result.DocumentSha256,
                Outcome = new StoredOutcome
                {
                    Invoice = InvoiceJson.Serialize(result.Invoice),
                    Model = result.Model,
                    ModelVersion = result.ModelVersion,
                    ResponseId = result.ResponseId,
                    KeyId = result.KeyId,
                    Attempts = result.Attempts,
                    InputTokens = usage.InputTokens,
                    OutputTokens = usage.OutputTokens,
                    TextTokens = usage.TextTokens,
                    ImageTokens = usage.ImageTokens,
                    DocumentTokens = usage.DocumentTokens,
                    CachedTokens = usage.CachedTokens,
                    ThoughtsTokens = usage.ThoughtsTokens,
                    ToolUseTokens = usage.ToolUseTokens,
                    TotalTokens = usage.TotalTokens,
                },
            },
            StoredExtractionJsonContext.Default.StoredExtractionEnvelope);
    }

    /// <summary>Restores a stored extraction and validates its invoice again with <paramref name="validator"/>.</summary>
    /// <param name="json">What <see cref="Serialize"/> returned.</param>
    /// <param name="validator">The validator whose current options produce the findings.</param>
    /// <returns>The result, with a zero duration and <see cref="ExtractionCacheStatus.None"/>; the caller sets what differs.</returns>
    /// <exception cref="InvoiceOcrException">The JSON is not a stored extraction.</exception>
    public static InvoiceExtractionResult Deserialize(string json, InvoiceValidator validator)
    {
        ArgumentException.ThrowIfNullOrEmpty(json);
        ArgumentNullException.ThrowIfNull(validator);
        StoredExtractionEnvelope? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(json, StoredExtractionJsonContext.Default.StoredExtractionEnvelope);
        }
        catch (JsonException ex)
        {
            throw new InvoiceOcrException(InvoiceOcrErrorKind.Unknown, "The stored extraction is not valid JSON of its shape.", ex);
        }

        if (envelope?.Outcome is not { } outcome)
        {
            throw new InvoiceOcrException(InvoiceOcrErrorKind.Unknown, "The stored extraction is empty.");
        }

        var invoice = InvoiceJson.Deserialize(outcome.Invoice);
        return new InvoiceExtractionResult
        {
            Invoice = invoice,
            Findings = validator.Validate(invoice),
            Usage = outcome.ToUsage(),
            Model = outcome.Model,
            ModelVersion = outcome.ModelVersion,
            ResponseId = outcome.ResponseId,
            Attempts = outcome.Attempts,
            KeyId = outcome.KeyId,
            OperationId = envelope.OperationId,
            DocumentKind = envelope.DocumentKind,
            PageCount = envelope.PageCount,
            DocumentSha256 = envelope.DocumentSha256,
        };
    }
}

/// <summary>The stored form: the operation's outcome (<see cref="StoredOutcome"/>, as idempotent replays keep it) and the document facts.</summary>
internal sealed record StoredExtractionEnvelope
{
    public required string OperationId { get; init; }

    public DocumentKind DocumentKind { get; init; }

    public int? PageCount { get; init; }

    public string? DocumentSha256 { get; init; }

    public required StoredOutcome Outcome { get; init; }
}

/// <summary>Source-generated JSON metadata for <see cref="StoredExtractionEnvelope"/>.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(StoredExtractionEnvelope))]
internal sealed partial class StoredExtractionJsonContext : JsonSerializerContext;
