using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.WebApi.Errors;

/// <summary>
/// What a tenant reads in a problem's <c>detail</c>. The SDK's messages are written for whoever runs the service: some
/// name key ids, circuits or settings ("raise Gemini:MaxOutputTokens"). Only the messages written for end users pass
/// through — the seed's key messages, the quota messages and the document rejections, which talk about the caller's own
/// file. Every other kind gets a fixed sentence here, and the SDK's own message goes to the log.
/// </summary>
public static class TenantMessages
{
    /// <summary>Gets the end-user message for an SDK error.</summary>
    /// <param name="exception">The error.</param>
    /// <returns>The message, free of key ids and internal wording.</returns>
    public static string For(InvoiceOcrException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        return exception.Kind switch
        {
            // Rejections of the caller's own document: the message names the file and what is wrong with it.
            InvoiceOcrErrorKind.InvalidDocument => exception.Message,

            // The seed's messages and the key pool's quota messages, worded for end users by the SDK.
            InvoiceOcrErrorKind.NoKeyAvailable or InvoiceOcrErrorKind.KeyExpired or InvoiceOcrErrorKind.KeyDisabled or
                InvoiceOcrErrorKind.LocalQuotaExceeded => exception.Message,

            InvoiceOcrErrorKind.RateLimitedPerMinute or InvoiceOcrErrorKind.QuotaExhausted or InvoiceOcrErrorKind.QuotaExhaustedPerDay =>
                exception.RetryAfter is not null
                    ? "The AI service's quota for your company is used up for now. Please try again after the time given in Retry-After."
                    : "The AI service's quota for your company is used up. Please contact support.",
            InvoiceOcrErrorKind.ContentBlocked => "The AI service's safety filters refused to read this document.",
            InvoiceOcrErrorKind.OutputTruncated => "The invoice is too long for the AI service to answer in full. Please contact support.",
            InvoiceOcrErrorKind.Timeout => "The AI service did not answer in time. Please try again.",
            InvoiceOcrErrorKind.StoreUnavailable => "The service is temporarily unavailable. Please try again shortly.",
            // The job API's refusals: fixed sentences too (the SDK's own message names items and states for the operator's log).
            InvoiceOcrErrorKind.JobTransitionRejected => "The job's state does not allow this change (for example, a cancelled job cannot be resumed). Read the job and do what its state allows.",
            InvoiceOcrErrorKind.JobVersionConflict => "The job was changed by someone else at the same time. Read it again and retry.",
            InvoiceOcrErrorKind.DuplicateOperation => "This document was already extracted with the same Idempotency-Key and billed once; send a new key to extract it again.",
            _ => "The AI service could not process this document right now. Please try again later or contact support.",
        };
    }
}
