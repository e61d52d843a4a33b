using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.WebApi.Errors;

/// <summary>
/// The HTTP status of each SDK error kind. The choices, and why, are documented in the sample's README
/// ("Errors"); clients should switch on the <c>kind</c> extension, not on the status alone.
/// </summary>
public static class ErrorStatusCodes
{
    /// <summary>Gets the status for an SDK exception.</summary>
    /// <param name="exception">The exception.</param>
    /// <returns>The HTTP status code.</returns>
    public static int For(InvoiceOcrException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        if (exception is InvalidDocumentException invalid)
        {
            return For(invalid.Reason);
        }

        return exception.Kind switch
        {
            InvoiceOcrErrorKind.InvalidDocument => StatusCodes.Status400BadRequest,

            // The company may not use the service right now: its keys are missing, expired or disabled. 402 is
            // "reserved for future use" and poorly handled by clients; 403 says "authenticated, but not allowed".
            InvoiceOcrErrorKind.NoKeyAvailable or InvoiceOcrErrorKind.KeyExpired or InvoiceOcrErrorKind.KeyDisabled or
                InvoiceOcrErrorKind.KeyExceeded => StatusCodes.Status403Forbidden,

            // The company's quota (ours or Google's) is used up. 429 only when the server knows when it clears: a 429 always
            // carries Retry-After. A refusal that waiting does not cure (the lifetime token budget is spent, or nothing says
            // when it resets) is 403, like a missing key: an administrator has to act, retrying will not help.
            InvoiceOcrErrorKind.LocalQuotaExceeded or InvoiceOcrErrorKind.RateLimitedPerMinute or
                InvoiceOcrErrorKind.QuotaExhaustedPerDay or InvoiceOcrErrorKind.QuotaExhausted =>
                exception.RetryAfter is not null ? StatusCodes.Status429TooManyRequests : StatusCodes.Status403Forbidden,

            // The same document with the same idempotency key was already extracted and billed once.
            // 402, not 403: the company may use extraction, it has spent its money for the month (InvoiceOcr:Budgets).
            InvoiceOcrErrorKind.BudgetExceeded => StatusCodes.Status402PaymentRequired,
            InvoiceOcrErrorKind.DuplicateOperation => StatusCodes.Status409Conflict,

            // The same idempotency key is being extracted right now (by this or another instance): 409 with Retry-After,
            // after which the finished result is returned without a second model call.
            InvoiceOcrErrorKind.OperationInProgress => StatusCodes.Status409Conflict,

            // A job move its state does not allow (resuming a cancelled job), or a change raced by another one: the request
            // conflicts with the job's current state; read the job again and decide.
            InvoiceOcrErrorKind.JobTransitionRejected or InvoiceOcrErrorKind.JobVersionConflict => StatusCodes.Status409Conflict,

            // Every key of the company is resting behind its circuit breaker after repeated failures: temporary.
            InvoiceOcrErrorKind.CircuitOpen => StatusCodes.Status503ServiceUnavailable,

            // The document itself was refused by the model's safety filters.
            InvoiceOcrErrorKind.ContentBlocked => StatusCodes.Status422UnprocessableEntity,

            // Gemini refused or failed our call, or answered with something unusable: a bad gateway for the client.
            InvoiceOcrErrorKind.KeyInvalid or InvoiceOcrErrorKind.KeyRevoked or InvoiceOcrErrorKind.PermissionDenied or
                InvoiceOcrErrorKind.BadRequest or InvoiceOcrErrorKind.ModelNotFound or InvoiceOcrErrorKind.OutputTruncated or
                InvoiceOcrErrorKind.SchemaMismatch or InvoiceOcrErrorKind.ServerError or
                InvoiceOcrErrorKind.NetworkFailure => StatusCodes.Status502BadGateway,

            InvoiceOcrErrorKind.Timeout => StatusCodes.Status504GatewayTimeout,

            // Our own database is down: the service is unavailable, try again shortly.
            InvoiceOcrErrorKind.StoreUnavailable => StatusCodes.Status503ServiceUnavailable,

            _ => StatusCodes.Status500InternalServerError,
        };
    }

    /// <summary>Gets the status for a rejected document.</summary>
    /// <param name="reason">Why the document was rejected.</param>
    /// <returns>413 for a file over the size limit, 415 for a type the SDK does not read, otherwise 400.</returns>
    public static int For(DocumentRejectionReason reason) => reason switch
    {
        DocumentRejectionReason.TooLarge => StatusCodes.Status413PayloadTooLarge,
        DocumentRejectionReason.UnsupportedType => StatusCodes.Status415UnsupportedMediaType,
        _ => StatusCodes.Status400BadRequest,
    };

    /// <summary>Gets a short, stable title for an SDK error answered with <paramref name="status"/>.</summary>
    /// <param name="exception">The error.</param>
    /// <param name="status">The status code chosen by <see cref="For(InvoiceOcrException)"/>.</param>
    /// <returns>The title.</returns>
    public static string Title(InvoiceOcrException exception, int status)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Kind is InvoiceOcrErrorKind.JobTransitionRejected or InvoiceOcrErrorKind.JobVersionConflict
            ? "The job's state does not allow this"
            : Title(status);
    }

    /// <summary>Gets a short, stable title for a status.</summary>
    /// <param name="status">The status code.</param>
    /// <returns>The title.</returns>
    public static string Title(int status) => status switch
    {
        StatusCodes.Status400BadRequest => "The request or document is invalid",
        StatusCodes.Status402PaymentRequired => "Your company's monthly AI budget is used up",
        StatusCodes.Status403Forbidden => "Your company cannot use invoice extraction right now",
        StatusCodes.Status413PayloadTooLarge => "The file is too large",
        StatusCodes.Status409Conflict => "This request was already processed",
        StatusCodes.Status415UnsupportedMediaType => "The file type is not supported",
        StatusCodes.Status422UnprocessableEntity => "The document could not be processed",
        StatusCodes.Status429TooManyRequests => "Quota exhausted",
        StatusCodes.Status502BadGateway => "The AI service failed",
        StatusCodes.Status503ServiceUnavailable => "The service is temporarily unavailable",
        StatusCodes.Status504GatewayTimeout => "The AI service timed out",
        _ => "An unexpected error occurred",
    };
}
