using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace InvoiceOcr.Sdk.Gemini;

/// <summary>
/// Turns a Gemini error answer (HTTP status, body, headers) into the SDK's one error taxonomy. Tolerates every
/// body shape seen in the wild: the <c>google.rpc.Status</c> envelope with or without details, the four 429
/// shapes, an envelope wrapped in an array, and non-JSON (HTML) bodies from proxies and load balancers.
/// </summary>
internal static partial class GeminiErrorParser
{

    /// <summary>Classifies an error answer.</summary>
    /// <param name="status">The HTTP status.</param>
    /// <param name="body">The response body as text, possibly empty or not JSON.</param>
    /// <param name="headers">The response headers (for <c>Retry-After</c>), if any.</param>
    /// <param name="now">The current time, to turn a <c>Retry-After</c> date into a delay.</param>
    /// <param name="apiKey">The key the call used; scrubbed from the message if the service echoes it.</param>
    /// <returns>The exception to throw.</returns>
    public static InvoiceOcrException Parse(HttpStatusCode status, string? body, HttpResponseHeaders? headers, DateTimeOffset now, string? apiKey = null)
    {
        var rpc = TryParseStatus(body);
        var errorInfo = rpc?.DetailsOf<GoogleErrorInfo>().FirstOrDefault();
        var violations = rpc?.DetailsOf<GoogleQuotaFailure>().SelectMany(q => q.Violations ?? []).ToList() ?? [];
        var googleMessage = rpc?.Message;

        var kind = Classify(status, rpc, errorInfo, violations);
        var quotaId = SelectQuotaId(errorInfo, violations, kind);
        var retryAfter = rpc?.DetailsOf<GoogleRetryInfo>().Select(r => r.Delay).FirstOrDefault(d => d is not null)
            ?? FromRetryAfterHeader(headers?.RetryAfter, now)
            ?? FromMessageHint(googleMessage);

        var message = string.IsNullOrWhiteSpace(googleMessage)
            ? DescribeWithoutMessage(status, body)
            : Scrub(googleMessage, apiKey);

        return new InvoiceOcrException(kind, message)
        {
            HttpStatus = status,
            GoogleStatus = rpc?.Status,
            GoogleReason = errorInfo?.Reason,
            QuotaId = quotaId,
            RetryAfter = retryAfter,
        };
    }

    /// <summary>Parses the <c>google.rpc.Status</c> of an error body, or returns <see langword="null"/> when the body is not one.</summary>
    public static GoogleRpcStatus? TryParseStatus(string? body)
    {
        if (string.IsNullOrWhiteSpace(body))
        {
            return null;
        }

        var trimmed = body.AsSpan().TrimStart();
        try
        {
            if (trimmed.Length > 0 && trimmed[0] == '{')
            {
                return JsonSerializer.Deserialize(body, GeminiJsonContext.Default.GoogleErrorEnvelope)?.Error;
            }

            if (trimmed.Length > 0 && trimmed[0] == '[')
            {
                // Some Google front ends (and streaming endpoints) wrap the envelope in an array.
                return JsonSerializer.Deserialize(body, GeminiJsonContext.Default.ListGoogleErrorEnvelope)?.FirstOrDefault(e => e.Error is not null)?.Error;
            }
        }
        catch (JsonException)
        {
            return null;
        }

        return null;
    }

    /// <summary>Replaces the key itself, then anything key-shaped (<see cref="SecretScrubber"/>), with a marker.</summary>
    public static string Scrub(string text, string? apiKey)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!string.IsNullOrEmpty(apiKey) && apiKey.Length >= 4)
        {
            text = text.Replace(apiKey, SecretScrubber.Redacted, StringComparison.Ordinal);
        }

        return SecretScrubber.Scrub(text)!;
    }

    private static InvoiceOcrErrorKind Classify(HttpStatusCode status, GoogleRpcStatus? rpc, GoogleErrorInfo? errorInfo, List<GoogleQuotaViolation> violations)
    {
        var reason = errorInfo?.Reason;
        var message = rpc?.Message ?? string.Empty;
        var code = (int)status;

        // A key fault is reported the same way whatever the status (Google has used 400 and 403 for it).
        if (Is(reason, "API_KEY_INVALID") || Is(reason, "API_KEY_EXPIRED"))
        {
            return InvoiceOcrErrorKind.KeyInvalid;
        }

        if (Is(reason, "API_KEY_SERVICE_BLOCKED") || Is(reason, "API_KEY_HTTP_REFERRER_BLOCKED") || Is(reason, "API_KEY_IP_ADDRESS_BLOCKED")
            || Is(reason, "API_KEY_ANDROID_APP_BLOCKED") || Is(reason, "API_KEY_IOS_APP_BLOCKED"))
        {
            return InvoiceOcrErrorKind.KeyRevoked;
        }

        switch (code)
        {
            case 400:
                return Is(rpc?.Status, "FAILED_PRECONDITION") ? InvoiceOcrErrorKind.PermissionDenied : InvoiceOcrErrorKind.BadRequest;
            case 401:
                return InvoiceOcrErrorKind.KeyInvalid;
            case 402:
                // Prepaid credit exhausted: the key's project cannot pay, another company key (project) may.
                return InvoiceOcrErrorKind.PermissionDenied;
            case 403:
                return Contains(message, "leaked") || Contains(message, "revoked") || Contains(message, "has been suspended")
                    ? InvoiceOcrErrorKind.KeyRevoked
                    : InvoiceOcrErrorKind.PermissionDenied;
            case 404:
                return InvoiceOcrErrorKind.ModelNotFound;
            case 408:
                return InvoiceOcrErrorKind.Timeout;
            case 429:
                return ClassifyQuota(errorInfo, violations, message);
            case 499:
                return InvoiceOcrErrorKind.NetworkFailure;
            case 504:
                return InvoiceOcrErrorKind.Timeout;
            case >= 500 and <= 599:
                return InvoiceOcrErrorKind.ServerError;
            case >= 400 and <= 499:
                return InvoiceOcrErrorKind.BadRequest;
            default:
                return InvoiceOcrErrorKind.Unknown;
        }
    }

    private static InvoiceOcrErrorKind ClassifyQuota(GoogleErrorInfo? errorInfo, List<GoogleQuotaViolation> violations, string message)
    {
        // Per-day wins over per-minute: when both are exhausted, waiting a minute cannot help.
        if (violations.Any(v => IsPerDay(v.QuotaId) || IsPerDay(v.QuotaMetric))
            || IsPerDay(LegacyQuotaLimit(errorInfo))
            || Contains(message, "per day"))
        {
            return InvoiceOcrErrorKind.QuotaExhaustedPerDay;
        }

        if (violations.Any(v => IsPerMinute(v.QuotaId) || IsPerMinute(v.QuotaMetric))
            || IsPerMinute(LegacyQuotaLimit(errorInfo))
            || Is(errorInfo?.Reason, "RATE_LIMIT_EXCEEDED")
            || Contains(message, "per minute"))
        {
            return InvoiceOcrErrorKind.RateLimitedPerMinute;
        }

        return InvoiceOcrErrorKind.QuotaExhausted;
    }

    private static string? SelectQuotaId(GoogleErrorInfo? errorInfo, List<GoogleQuotaViolation> violations, InvoiceOcrErrorKind kind)
    {
        var ids = violations.Select(v => v.QuotaId).Where(id => !string.IsNullOrEmpty(id)).ToList();
        if (LegacyQuotaLimit(errorInfo) is { Length: > 0 } legacy)
        {
            ids.Add(legacy);
        }

        // Report the violation that decided the kind.
        return kind == InvoiceOcrErrorKind.QuotaExhaustedPerDay
            ? ids.FirstOrDefault(IsPerDay) ?? ids.FirstOrDefault()
            : ids.FirstOrDefault();
    }

    private static string? LegacyQuotaLimit(GoogleErrorInfo? errorInfo) =>
        errorInfo?.Metadata is { } metadata && metadata.TryGetValue("quota_limit", out var limit) ? limit : null;

    private static bool IsPerDay(string? value) => value is not null
        && (value.Contains("PerDay", StringComparison.OrdinalIgnoreCase) || value.Contains("per_day", StringComparison.OrdinalIgnoreCase));

    private static bool IsPerMinute(string? value) => value is not null
        && (value.Contains("PerMinute", StringComparison.OrdinalIgnoreCase) || value.Contains("per_minute", StringComparison.OrdinalIgnoreCase));

    private static TimeSpan? FromRetryAfterHeader(RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (header?.Delta is { } delta)
        {
            return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - now;
            return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
        }

        return null;
    }

    private static TimeSpan? FromMessageHint(string? message)
    {
        if (message is null)
        {
            return null;
        }

        var match = RetryHintPattern().Match(message);
        return match.Success && ProtoDuration.TryParse(match.Groups["seconds"].Value + "s", out var delay) ? delay : null;
    }

    private static string DescribeWithoutMessage(HttpStatusCode status, string? body)
    {
        var code = ((int)status).ToString(CultureInfo.InvariantCulture);
        var kind = string.IsNullOrWhiteSpace(body) ? "an empty body" : "a body that is not a Google error (JSON)";
        return $"Gemini answered HTTP {code} ({status}) with {kind}.";
    }

    private static bool Is(string? value, string expected) => string.Equals(value, expected, StringComparison.OrdinalIgnoreCase);

    private static bool Contains(string value, string fragment) => value.Contains(fragment, StringComparison.OrdinalIgnoreCase);

    // The late-2025 429 message ends "Please retry in 1.68122827s."
    [GeneratedRegex(@"retry in (?<seconds>[0-9]+(?:\.[0-9]{1,9})?)s", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex RetryHintPattern();
}
