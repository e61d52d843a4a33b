using System.Net;

namespace InvoiceOcr.Sdk;

/// <summary>
/// The one exception type the SDK throws for a failed extraction. It carries a machine-readable
/// <see cref="Kind"/>, whether trying again can help, the server's retry delay and Google's error status
/// and reason. Messages never contain an API key.
/// </summary>
public class InvoiceOcrException : Exception
{
    /// <summary>Creates an exception of the given kind.</summary>
    /// <param name="kind">The machine-readable reason.</param>
    /// <param name="message">A human-readable message. Never include a secret.</param>
    /// <param name="innerException">The underlying exception, if any.</param>
    public InvoiceOcrException(InvoiceOcrErrorKind kind, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Kind = kind;
        IsTransient = InvoiceOcrErrorKinds.IsTransient(kind);
    }

    /// <summary>Gets the machine-readable reason.</summary>
    public InvoiceOcrErrorKind Kind { get; }

    /// <summary>Gets a value indicating whether the same request may succeed if tried again later.</summary>
    public bool IsTransient { get; init; }

    /// <summary>Gets the delay the server asked for (google.rpc.RetryInfo or Retry-After), if any.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>Gets the HTTP status of the service's answer, if the service answered.</summary>
    public HttpStatusCode? HttpStatus { get; init; }

    /// <summary>Gets Google's canonical status (for example <c>RESOURCE_EXHAUSTED</c>), if given.</summary>
    public string? GoogleStatus { get; init; }

    /// <summary>Gets Google's error reason from <c>google.rpc.ErrorInfo</c> (for example <c>API_KEY_INVALID</c>), if given.</summary>
    public string? GoogleReason { get; init; }

    /// <summary>Gets the quota id from <c>google.rpc.QuotaFailure</c> (for example <c>GenerateRequestsPerDayPerProjectPerModel-FreeTier</c>), if given.</summary>
    public string? QuotaId { get; init; }

    /// <summary>Gets the id (never the secret) of the API key the failing call used, if one was used.</summary>
    public string? KeyId { get; init; }

    /// <summary>
    /// Gets the usage of a call that failed after the service billed it (for example an answer cut off at
    /// MAX_TOKENS, or not matching the schema). The usage ledger records it; <see langword="null"/> when nothing was billed.
    /// </summary>
    public TokenUsage? BilledUsage { get; init; }

    /// <summary>Gets the service's response id of a billed call that failed, if any.</summary>
    public string? ResponseId { get; init; }

    /// <summary>
    /// Gets or sets the text of a billed answer that was cut off or failed the schema, so a batch job can keep the part of the
    /// invoice it holds. Internal: the public surface is the job item's partial invoice.
    /// </summary>
    internal string? PartialAnswerText { get; set; }

    /// <summary>Gets a value indicating whether the fault lies with the key, so another key of the company may succeed.</summary>
    public bool IsKeyFault => InvoiceOcrErrorKinds.IsKeyFault(Kind);
}
