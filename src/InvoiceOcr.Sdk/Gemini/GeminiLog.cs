using System.Net;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Gemini;

/// <summary>The Gemini client's log messages. None of them ever carries the API key.</summary>
internal static partial class GeminiLog
{
    [LoggerMessage(EventId = 2201, EventName = "GeminiRequest", Level = LogLevel.Debug,
        Message = "Calling Gemini {Model} at {Endpoint} with a {DocumentBytes}-byte {MimeType} document sent as {Transfer}.")]
    public static partial void Request(ILogger logger, string model, string endpoint, int documentBytes, string mimeType, string transfer);

    [LoggerMessage(EventId = 2202, EventName = "GeminiResponse", Level = LogLevel.Debug,
        Message = "Gemini {Model} answered {FinishReason} (response {ResponseId}, model version {ModelVersion}) using {TotalTokens} tokens.")]
    public static partial void Response(ILogger logger, string model, string? finishReason, string? responseId, string? modelVersion, int totalTokens);

    /// <summary>Logs an error answer; the server's retry delay is named only when it gave one.</summary>
    public static void Error(ILogger logger, int httpStatus, string? googleStatus, string? googleReason, InvoiceOcrErrorKind kind, TimeSpan? retryAfter)
    {
        if (retryAfter is { } delay)
        {
            ErrorWithDelay(logger, httpStatus, googleStatus, googleReason, kind, delay);
        }
        else
        {
            ErrorNoDelay(logger, httpStatus, googleStatus, googleReason, kind);
        }
    }

    /// <summary>
    /// Logs a transport failure: one line at warning level (an expected failure: no stack trace), the exception itself at
    /// debug level for whoever needs it.
    /// </summary>
    public static void TransportFailure(ILogger logger, Exception exception, string endpoint, InvoiceOcrErrorKind kind)
    {
        TransportFailureLine(logger, endpoint, kind, exception.GetType().Name, exception.Message);
        TransportFailureDetail(logger, exception, endpoint);
    }

    [LoggerMessage(EventId = 2203, EventName = "GeminiError", Level = LogLevel.Warning,
        Message = "Gemini answered HTTP {HttpStatus} {GoogleStatus} ({GoogleReason}); classified as {Kind}, retry after {RetryAfter}.")]
    private static partial void ErrorWithDelay(ILogger logger, int httpStatus, string? googleStatus, string? googleReason, InvoiceOcrErrorKind kind, TimeSpan retryAfter);

    [LoggerMessage(EventId = 2208, EventName = "GeminiErrorNoDelay", Level = LogLevel.Warning,
        Message = "Gemini answered HTTP {HttpStatus} {GoogleStatus} ({GoogleReason}); classified as {Kind}.")]
    private static partial void ErrorNoDelay(ILogger logger, int httpStatus, string? googleStatus, string? googleReason, InvoiceOcrErrorKind kind);

    [LoggerMessage(EventId = 2204, EventName = "GeminiTransportFailure", Level = LogLevel.Warning,
        Message = "The call to Gemini at {Endpoint} failed in transport ({ExceptionType}: {ExceptionMessage}); classified as {Kind}.")]
    private static partial void TransportFailureLine(ILogger logger, string endpoint, InvoiceOcrErrorKind kind, string exceptionType, string exceptionMessage);

    [LoggerMessage(EventId = 2209, EventName = "GeminiTransportFailureDetail", Level = LogLevel.Debug,
        Message = "Transport failure calling {Endpoint}.")]
    private static partial void TransportFailureDetail(ILogger logger, Exception exception, string endpoint);

    [LoggerMessage(EventId = 2205, EventName = "GeminiFileUploaded", Level = LogLevel.Debug,
        Message = "Uploaded {DocumentBytes} bytes to the Gemini Files API as {FileName} (state {State}).")]
    public static partial void FileUploaded(ILogger logger, int documentBytes, string fileName, string? state);

    [LoggerMessage(EventId = 2006, EventName = "GeminiFileDeleteFailed", Level = LogLevel.Warning,
        Message = "Could not delete the Gemini file {FileName}; it expires on its own after 48 hours.")]
    public static partial void FileDeleteFailed(ILogger logger, Exception? exception, string fileName);

    [LoggerMessage(EventId = 2007, EventName = "GeminiFileDeleted", Level = LogLevel.Debug,
        Message = "Deleted the Gemini file {FileName} (HTTP {HttpStatus}).")]
    public static partial void FileDeleted(ILogger logger, string fileName, HttpStatusCode httpStatus);
}
