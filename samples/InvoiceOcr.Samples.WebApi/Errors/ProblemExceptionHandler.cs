using System.Globalization;
using InvoiceOcr.Sdk;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Mvc;

namespace InvoiceOcr.Samples.WebApi.Errors;

/// <summary>
/// Turns exceptions into RFC 9457 problem details: SDK errors keep their message (the seed's wording, never a secret)
/// and carry their kind in the <c>kind</c> extension; anything unexpected becomes a bare 500 and is logged.
/// </summary>
internal sealed partial class ProblemExceptionHandler(IProblemDetailsService problems, ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
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
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = problem,
            Exception = exception,
        }).ConfigureAwait(false);
    }

    private ProblemDetails FromSdk(InvoiceOcrException error, HttpResponse response)
    {
        var status = ErrorStatusCodes.For(error);
        var problem = new ProblemDetails { Status = status, Title = ErrorStatusCodes.Title(status), Detail = error.Message };
        problem.Extensions["kind"] = error.Kind.ToString();
        if (error is InvalidDocumentException invalid)
        {
            problem.Extensions["reason"] = invalid.Reason.ToString();
        }

        if (error.RetryAfter is { } retryAfter && status is StatusCodes.Status429TooManyRequests or StatusCodes.Status503ServiceUnavailable)
        {
            var seconds = Math.Max(1, (long)Math.Ceiling(retryAfter.TotalSeconds));
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
            problem.Extensions["retryAfterSeconds"] = seconds;
        }

        if (status >= 500)
        {
            LogUpstreamFailure(logger, error.Kind, status, error.KeyId);
        }

        return problem;
    }

    [LoggerMessage(1, LogLevel.Error, "Unhandled exception for {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);

    [LoggerMessage(2, LogLevel.Warning, "Extraction failed with {Kind}, answered {Status} (key {KeyId})")]
    private static partial void LogUpstreamFailure(ILogger logger, InvoiceOcrErrorKind kind, int status, string? keyId);
}
