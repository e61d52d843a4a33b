using System.Globalization;
using InvoiceOcr.Samples.WebApi.Authentication;
using InvoiceOcr.Samples.WebApi.Refusals;
using InvoiceOcr.Sdk;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace InvoiceOcr.Samples.WebApi.Errors;

/// <summary>
/// Turns exceptions into RFC 9457 problem details: SDK errors carry their kind in the <c>kind</c> extension and a detail
/// written for the tenant (<see cref="TenantMessages"/>; the SDK's own message, which may name keys or settings, is
/// logged); refusals are counted for the dashboard (<see cref="IRefusalLog"/>); anything unexpected becomes a bare 500
/// and is logged.
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, IRefusalLog refusals, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    /// <summary>The kind recorded for a refusal because every key of the company had its circuit open.</summary>
    public const string CircuitOpenKind = "CircuitOpen";

    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is OperationCanceledException && httpContext.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nobody is left to read a problem.
            return true;
        }

        ProblemDetails problem;
        switch (exception)
        {
            case InvoiceOcrException error:
                problem = FromSdk(error, httpContext.Response);
                if (RefusalKind(error, problem.Status!.Value) is { } kind && CallerIdentity.CompanyOf(httpContext.User) is { } company)
                {
                    await refusals.RecordAsync(company, kind, problem.Status.Value, cancellationToken).ConfigureAwait(false);
                }

                break;
            case BadHttpRequestException bad:
                problem = new ProblemDetails { Status = bad.StatusCode, Title = ErrorStatusCodes.Title(bad.StatusCode), Detail = bad.Message };
                break;
            default:
                LogUnhandled(logger, exception, httpContext.Request.Method, httpContext.Request.Path);
                problem = new ProblemDetails { Status = StatusCodes.Status500InternalServerError, Title = ErrorStatusCodes.Title(500) };
                break;
        }

        httpContext.Response.StatusCode = problem.Status!.Value;
        if (problem.Status == StatusCodes.Status413PayloadTooLarge)
        {
            // The rest of an oversized body is never read: close the connection instead of draining it for keep-alive.
            httpContext.Response.Headers.Connection = "close";
        }

        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        }).ConfigureAwait(false);
    }

    /// <summary>Gets the refusal kind to count, or <see langword="null"/> for an error that is not a refusal.</summary>
    internal static string? RefusalKind(InvoiceOcrException error, int status)
    {
        if (IsCircuitOpen(error))
        {
            return CircuitOpenKind;
        }

        return error.Kind switch
        {
            InvoiceOcrErrorKind.NoKeyAvailable or InvoiceOcrErrorKind.KeyExpired or InvoiceOcrErrorKind.KeyDisabled or
                InvoiceOcrErrorKind.LocalQuotaExceeded or InvoiceOcrErrorKind.RateLimitedPerMinute or
                InvoiceOcrErrorKind.QuotaExhausted or InvoiceOcrErrorKind.QuotaExhaustedPerDay => error.Kind.ToString(),
            _ when status == StatusCodes.Status429TooManyRequests => error.Kind.ToString(),
            _ => null,
        };
    }

    private static bool IsCircuitOpen(Exception error)
    {
        // The SDK refuses a key whose breaker is open without calling Gemini; Polly's BrokenCircuitException is the cause.
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is Polly.CircuitBreaker.BrokenCircuitException)
            {
                return true;
            }
        }

        return false;
    }

    private ProblemDetails FromSdk(InvoiceOcrException error, HttpResponse response)
    {
        var status = ErrorStatusCodes.For(error);
        var problem = new ProblemDetails { Status = status, Title = ErrorStatusCodes.Title(error, status), Detail = TenantMessages.For(error) };
        problem.Extensions["kind"] = error.Kind.ToString();
        if (error is InvalidDocumentException invalid)
        {
            problem.Extensions["reason"] = invalid.Reason.ToString();
        }

        if (error.RetryAfter is { } retryAfter && status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status409Conflict)
        {
            var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            problem.Extensions["retryAfterSeconds"] = seconds;
        }

        if (status >= 500 || error.Kind is not (InvoiceOcrErrorKind.InvalidDocument or InvoiceOcrErrorKind.NoKeyAvailable or InvoiceOcrErrorKind.KeyExpired or InvoiceOcrErrorKind.KeyDisabled))
        {
            // The operator's view: the SDK's own message (key ids and settings, never a secret) stays in the log.
            LogSdkFailure(logger, error.Kind, status, error.KeyId, error.Message);
        }

        return problem;
    }

    [LoggerMessage(1, LogLevel.Error, "Unhandled exception for {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(2, LogLevel.Warning, "Extraction failed with {Kind}, answered {Status} (key {KeyId}): {SdkMessage}")]
    private static partial void LogSdkFailure(ILogger logger, InvoiceOcrErrorKind kind, int status, string? keyId, string sdkMessage);
}
