namespace InvoiceOcr.Sdk;

/// <summary>
/// Names of the SDK's telemetry, for subscribing with OpenTelemetry (<c>AddMeter(InvoiceOcrTelemetry.MeterName)</c>,
/// <c>AddSource(InvoiceOcrTelemetry.ActivitySourceName)</c>). No instrument is tagged with a company id or a secret.
/// </summary>
public static class InvoiceOcrTelemetry
{
    /// <summary>The name of the SDK's <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string MeterName = "InvoiceOcr.Sdk";

    /// <summary>The name of the SDK's <see cref="System.Diagnostics.ActivitySource"/>.</summary>
    public const string ActivitySourceName = "InvoiceOcr.Sdk";

    /// <summary>Histogram of billed tokens per model call, tagged <c>gen_ai.token.type</c> = <c>input</c> or <c>output</c> (OpenTelemetry GenAI).</summary>
    public const string TokenUsageInstrument = "gen_ai.client.token.usage";

    /// <summary>Histogram of the duration of each model call attempt, in seconds (OpenTelemetry GenAI).</summary>
    public const string OperationDurationInstrument = "gen_ai.client.operation.duration";

    /// <summary>Counter of retries after a transient failure (backoff), tagged with <c>error.type</c>.</summary>
    public const string RetriesInstrument = "invoiceocr.client.retries";

    /// <summary>Counter of failovers to another key of the same company, tagged with <c>error.type</c>.</summary>
    public const string FailoversInstrument = "invoiceocr.client.failovers";

    /// <summary>Counter of quota reservations the store refused, tagged with <c>invoiceocr.quota.reason</c>.</summary>
    public const string QuotaRejectionsInstrument = "invoiceocr.quota.rejections";

    /// <summary>Counter of key status changes made by the key pool, tagged with <c>invoiceocr.key.status</c>.</summary>
    public const string KeyStatusChangesInstrument = "invoiceocr.key.status_changes";

    /// <summary>Counter of lifetime-usage thresholds reached, tagged with <c>invoiceocr.key.threshold</c>.</summary>
    public const string UsageThresholdsInstrument = "invoiceocr.key.usage_thresholds";

    /// <summary>
    /// The name of the <see cref="System.Net.Http.HttpClient"/> the SDK calls Gemini with (add handlers to it with
    /// <c>services.AddHttpClient(InvoiceOcrTelemetry.GeminiHttpClientName)</c>).
    /// </summary>
    public const string GeminiHttpClientName = "InvoiceOcr.Gemini";

    /// <summary>
    /// The <see cref="System.Net.Http.HttpRequestMessage.Options"/> key (a string value) naming the journaled attempt of a
    /// <c>generateContent</c> request: the id of its ledger row or of its unknown-outcome entry. Handlers of the Gemini client
    /// can read it to correlate logs or billing; it is never sent on the wire.
    /// </summary>
    public const string AttemptIdRequestOption = "InvoiceOcr.AttemptId";
}
