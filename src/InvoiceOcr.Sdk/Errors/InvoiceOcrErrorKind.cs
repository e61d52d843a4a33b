namespace InvoiceOcr.Sdk;

/// <summary>
/// The machine-readable reason an extraction failed. One taxonomy for the whole SDK: the Gemini client,
/// the key pool, the quota gate and document intake all report through it, so callers switch on one enum.
/// </summary>
public enum InvoiceOcrErrorKind
{
    /// <summary>An error the SDK could not classify. Not retried.</summary>
    Unknown = 0,

    // Document intake: the model is never called for these.

    /// <summary>The document was rejected before any model call (see <see cref="InvalidDocumentException.Reason"/>).</summary>
    InvalidDocument,

    // Quotas reported by the service.

    /// <summary>A per-minute quota of the key's project is exhausted (429). Retried after the server's delay.</summary>
    RateLimitedPerMinute,

    /// <summary>A per-day quota of the key's project is exhausted (429). The project is skipped until midnight America/Los_Angeles.</summary>
    QuotaExhaustedPerDay,

    /// <summary>A 429 that names no window (the bare shape with no details). Treated like a per-minute limit.</summary>
    QuotaExhausted,

    // Key faults: fail over to another key of the same company at once.

    /// <summary>The key is not valid (400 <c>API_KEY_INVALID</c>).</summary>
    KeyInvalid,

    /// <summary>The key was revoked, reported as leaked or blocked for this service (403 variants).</summary>
    KeyRevoked,

    /// <summary>The caller lacks permission: service disabled, unsupported region, no key sent (403/400 FAILED_PRECONDITION).</summary>
    PermissionDenied,

    // Request faults: never retried.

    /// <summary>The service rejected the request as malformed (400 INVALID_ARGUMENT other than key problems).</summary>
    BadRequest,

    /// <summary>The configured model does not exist or does not support generateContent (404).</summary>
    ModelNotFound,

    /// <summary>The prompt or the answer was blocked (promptFeedback.blockReason or a safety finish reason).</summary>
    ContentBlocked,

    /// <summary>The answer was cut off at the output token limit (finishReason MAX_TOKENS).</summary>
    OutputTruncated,

    /// <summary>The model's answer is not JSON matching the requested schema, or it finished for another non-STOP reason.</summary>
    SchemaMismatch,

    // Transient faults: retried with backoff.

    /// <summary>The service failed (500 INTERNAL, 503 UNAVAILABLE, other 5xx).</summary>
    ServerError,

    /// <summary>The call timed out, on the client (attempt timeout) or on the server (504 DEADLINE_EXCEEDED).</summary>
    Timeout,

    /// <summary>The connection failed or the body was cut short.</summary>
    NetworkFailure,

    // Key pool and local quota decisions: no model call was made.

    /// <summary>The company has no key at all.</summary>
    NoKeyAvailable,

    /// <summary>Every key of the company has expired.</summary>
    KeyExpired,

    /// <summary>Every key of the company is exceeded or disabled.</summary>
    KeyDisabled,

    /// <summary>The company's keys are active but their configured limits have no headroom now.</summary>
    LocalQuotaExceeded,

    /// <summary>The SDK's store could not be reached and no fallback could serve.</summary>
    StoreUnavailable,

    /// <summary>
    /// An extraction with the same idempotency key already succeeded for the company and its result is no longer at hand;
    /// the model is not called again, since the service would bill the document twice.
    /// </summary>
    DuplicateOperation,

    /// <summary>
    /// An extraction with the same idempotency key is running now (in this or another process): the model is not called a
    /// second time. Try again after <see cref="InvoiceOcrException.RetryAfter"/>; a web API answers 409 with <c>Retry-After</c>.
    /// </summary>
    OperationInProgress,

    /// <summary>Every key of the company that could serve has used up its lifetime token limit (status Exceeded).</summary>
    KeyExceeded,

    /// <summary>
    /// The key's circuit breaker is open after repeated service failures: no request was sent with it. The built-in retry
    /// policy fails over to another key of the company.
    /// </summary>
    CircuitOpen,

    // Batch jobs.

    /// <summary>A batch job or job item cannot make the change asked for (the transition table does not allow it, or the job is cancelled).</summary>
    JobTransitionRejected,

    /// <summary>A batch job or job item was changed by someone else since it was read (optimistic locking): read it again.</summary>
    JobVersionConflict,

    /// <summary>
    /// The company's hard monthly budget in money (<see cref="BudgetOptions"/>) has no room for this call's estimated cost:
    /// no request was sent. The message names the budget and the amount used; a web API answers 402 Payment Required.
    /// </summary>
    BudgetExceeded,
}
