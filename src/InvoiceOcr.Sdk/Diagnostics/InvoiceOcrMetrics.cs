using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace InvoiceOcr.Sdk.Diagnostics;

/// <summary>The SDK's instruments, created from <see cref="IMeterFactory"/> so each service provider owns its meter.</summary>
internal sealed class InvoiceOcrMetrics
{
    internal const string GenAiOperationName = "generate_content";
    internal const string GenAiProviderName = "gcp.gemini";
    internal const string GenAiSystem = "gemini";

    /// <summary>The SDK's activity source.</summary>
    internal static readonly ActivitySource ActivitySource = new(InvoiceOcrTelemetry.ActivitySourceName);

    private static readonly double[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];
    private static readonly double[] DurationBuckets = [0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92, 163.84, 327.68];

    private readonly Histogram<long> _tokenUsage;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _failovers;
    private readonly Counter<long> _quotaRejections;
    private readonly Counter<long> _statusChanges;
    private readonly Counter<long> _thresholds;

    public InvoiceOcrMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        var meter = meterFactory.Create(InvoiceOcrTelemetry.MeterName);
        _tokenUsage = meter.CreateHistogram(
            InvoiceOcrTelemetry.TokenUsageInstrument,
            "{token}",
            "Number of tokens used per model call.",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [.. TokenBuckets.Select(b => (long)b)] });
        _duration = meter.CreateHistogram(
            InvoiceOcrTelemetry.OperationDurationInstrument,
            "s",
            "Duration of each model call attempt.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = DurationBuckets });
        _retries = meter.CreateCounter<long>(InvoiceOcrTelemetry.RetriesInstrument, "{retry}", "Retries after a transient failure.");
        _failovers = meter.CreateCounter<long>(InvoiceOcrTelemetry.FailoversInstrument, "{failover}", "Failovers to another key of the same company.");
        _quotaRejections = meter.CreateCounter<long>(InvoiceOcrTelemetry.QuotaRejectionsInstrument, "{rejection}", "Quota reservations refused.");
        _statusChanges = meter.CreateCounter<long>(InvoiceOcrTelemetry.KeyStatusChangesInstrument, "{change}", "Key status changes made by the key pool.");
        _thresholds = meter.CreateCounter<long>(InvoiceOcrTelemetry.UsageThresholdsInstrument, "{threshold}", "Lifetime-usage thresholds reached.");
    }

    public void RecordTokenUsage(string model, string? responseModel, TokenUsage usage)
    {
        if (!_tokenUsage.Enabled)
        {
            return;
        }

        var tags = GenAiTags(model, responseModel);
        tags.Add("gen_ai.token.type", "input");
        _tokenUsage.Record(usage.InputTokens, tags);
        tags = GenAiTags(model, responseModel);
        tags.Add("gen_ai.token.type", "output");
        _tokenUsage.Record((long)usage.OutputTokens + usage.ThoughtsTokens, tags);
    }

    public void RecordDuration(string model, string? responseModel, TimeSpan elapsed, InvoiceOcrErrorKind? error)
    {
        if (!_duration.Enabled)
        {
            return;
        }

        var tags = GenAiTags(model, responseModel);
        if (error is { } kind)
        {
            tags.Add("error.type", kind.ToString());
        }

        _duration.Record(elapsed.TotalSeconds, tags);
    }

    public void Retry(InvoiceOcrErrorKind kind) => _retries.Add(1, new KeyValuePair<string, object?>("error.type", kind.ToString()));

    public void Failover(InvoiceOcrErrorKind kind) => _failovers.Add(1, new KeyValuePair<string, object?>("error.type", kind.ToString()));

    public void QuotaRejected(QuotaRejectionReason reason) => _quotaRejections.Add(1, new KeyValuePair<string, object?>("invoiceocr.quota.reason", reason.ToString()));

    public void KeyStatusChanged(ApiKeyStatus status) => _statusChanges.Add(1, new KeyValuePair<string, object?>("invoiceocr.key.status", status.ToString()));

    public void UsageThresholdReached(int percent) => _thresholds.Add(1, new KeyValuePair<string, object?>("invoiceocr.key.threshold", percent));

    private static TagList GenAiTags(string model, string? responseModel)
    {
        var tags = new TagList
        {
            { "gen_ai.operation.name", GenAiOperationName },
            { "gen_ai.provider.name", GenAiProviderName },
            { "gen_ai.system", GenAiSystem },
            { "gen_ai.request.model", model },
        };
        if (responseModel is not null)
        {
            tags.Add("gen_ai.response.model", responseModel);
        }

        return tags;
    }
}
