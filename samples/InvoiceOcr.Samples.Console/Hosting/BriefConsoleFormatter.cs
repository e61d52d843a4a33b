using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace InvoiceOcr.Samples.ConsoleApp.Hosting;

/// <summary>
/// The log format without <c>-v</c>: one short line per entry, and an exception as its type and message only. Stack
/// traces are for <c>-v</c> (or a bug): a user whose network is down needs the error kind and what to do, which the
/// command prints for each document, not kilobytes of frames.
/// </summary>
internal sealed class BriefConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    public const string FormatterName = "invoiceocr-brief";

    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (string.IsNullOrEmpty(message) && logEntry.Exception is null)
        {
            return;
        }

        var level = logEntry.LogLevel switch
        {
            LogLevel.Critical => "crit",
            LogLevel.Error => "error",
            LogLevel.Warning => "warn",
            _ => "info",
        };
        var line = $"{level}: {OneLine(message)}";
        if (logEntry.Exception is { } exception)
        {
            line += $" ({exception.GetType().Name}: {OneLine(exception.Message)}; run with -v for details)";
        }

        textWriter.WriteLine(line);
    }

    private static string OneLine(string? text) => (text ?? string.Empty).ReplaceLineEndings(" ");
}
