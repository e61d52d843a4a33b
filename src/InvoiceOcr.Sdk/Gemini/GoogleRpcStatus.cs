using System.Globalization;
using System.Text.Json.Serialization;

namespace InvoiceOcr.Sdk.Gemini;

/// <summary><c>google.rpc.Status</c>: the body of every Gemini error and of a failed file's <c>error</c>.</summary>
internal sealed class GoogleRpcStatus
{
    /// <summary>Gets or sets the HTTP status code the service echoes (for example 429).</summary>
    public int Code { get; set; }

    /// <summary>Gets or sets the developer-facing message.</summary>
    public string? Message { get; set; }

    /// <summary>Gets or sets the canonical code name (for example <c>RESOURCE_EXHAUSTED</c>).</summary>
    public string? Status { get; set; }

    /// <summary>Gets or sets the typed details, discriminated by <c>@type</c>; unknown types are kept as <see cref="GoogleRpcDetail"/>.</summary>
    public List<GoogleRpcDetail>? Details { get; set; }

    /// <summary>Returns the details of one type.</summary>
    public IEnumerable<T> DetailsOf<T>()
        where T : GoogleRpcDetail => Details?.OfType<T>() ?? [];
}

/// <summary>One entry of <c>google.rpc.Status.details</c>. Types the SDK does not know deserialize as this base type.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "@type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FallBackToBaseType, IgnoreUnrecognizedTypeDiscriminators = true)]
[JsonDerivedType(typeof(GoogleQuotaFailure), "type.googleapis.com/google.rpc.QuotaFailure")]
[JsonDerivedType(typeof(GoogleRetryInfo), "type.googleapis.com/google.rpc.RetryInfo")]
[JsonDerivedType(typeof(GoogleErrorInfo), "type.googleapis.com/google.rpc.ErrorInfo")]
[JsonDerivedType(typeof(GoogleHelp), "type.googleapis.com/google.rpc.Help")]
[JsonDerivedType(typeof(GoogleDebugInfo), "type.googleapis.com/google.rpc.DebugInfo")]
[JsonDerivedType(typeof(GoogleLocalizedMessage), "type.googleapis.com/google.rpc.LocalizedMessage")]
internal class GoogleRpcDetail
{
}

/// <summary><c>google.rpc.QuotaFailure</c>.</summary>
internal sealed class GoogleQuotaFailure : GoogleRpcDetail
{
    public List<GoogleQuotaViolation>? Violations { get; set; }
}

/// <summary><c>google.rpc.QuotaFailure.Violation</c>, including the 2025+ Gemini fields.</summary>
internal sealed class GoogleQuotaViolation
{
    public string? Subject { get; set; }

    public string? Description { get; set; }

    public string? QuotaMetric { get; set; }

    public string? QuotaId { get; set; }

    public Dictionary<string, string>? QuotaDimensions { get; set; }

    public long? QuotaValue { get; set; }

    public long? FutureQuotaValue { get; set; }
}

/// <summary><c>google.rpc.RetryInfo</c>.</summary>
internal sealed class GoogleRetryInfo : GoogleRpcDetail
{
    /// <summary>Gets or sets the protobuf Duration text, for example <c>"26s"</c> or <c>"1.68122827s"</c>.</summary>
    public string? RetryDelay { get; set; }

    /// <summary>Gets the parsed delay, or <see langword="null"/> when it is missing or malformed.</summary>
    [JsonIgnore]
    public TimeSpan? Delay => ProtoDuration.TryParse(RetryDelay, out var delay) ? delay : null;
}

/// <summary><c>google.rpc.ErrorInfo</c>.</summary>
internal sealed class GoogleErrorInfo : GoogleRpcDetail
{
    public string? Reason { get; set; }

    public string? Domain { get; set; }

    public Dictionary<string, string>? Metadata { get; set; }
}

/// <summary><c>google.rpc.Help</c>.</summary>
internal sealed class GoogleHelp : GoogleRpcDetail
{
    public List<GoogleHelpLink>? Links { get; set; }
}

/// <summary><c>google.rpc.Help.Link</c>.</summary>
internal sealed class GoogleHelpLink
{
    public string? Description { get; set; }

    public string? Url { get; set; }
}

/// <summary><c>google.rpc.DebugInfo</c>. Its text can echo request data (even a key), so it never reaches a message or a log.</summary>
internal sealed class GoogleDebugInfo : GoogleRpcDetail
{
    public List<string>? StackEntries { get; set; }

    public string? Detail { get; set; }
}

/// <summary><c>google.rpc.LocalizedMessage</c>.</summary>
internal sealed class GoogleLocalizedMessage : GoogleRpcDetail
{
    public string? Locale { get; set; }

    public string? Message { get; set; }
}

/// <summary>Parses the proto3 JSON form of <c>google.protobuf.Duration</c> (<c>"26s"</c>, <c>"1.5s"</c>, up to nine fractional digits).</summary>
internal static class ProtoDuration
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var span = text.AsSpan().Trim();
        if (span.Length < 2 || span[^1] != 's')
        {
            return false;
        }

        if (!decimal.TryParse(span[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
            || seconds > (decimal)TimeSpan.MaxValue.TotalSeconds)
        {
            return false;
        }

        // Round up to the next tick: waiting a hair longer than asked never breaks a rate limit.
        value = TimeSpan.FromTicks((long)decimal.Ceiling(seconds * TimeSpan.TicksPerSecond));
        return true;
    }
}
