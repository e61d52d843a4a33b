using System.Globalization;

namespace InvoiceOcr.Sdk.Documents;

/// <summary>
/// The limits one PDF parse runs under: a stop signal (the parse time-out or the caller's cancellation) and a budget of
/// decompressed bytes. PdfPig offers no cancellation and inflates streams without a size limit, so the SDK hands it an input
/// stream and a filter provider that consult this guard (<see cref="GuardedPdfInput"/>, <see cref="GuardedFilterProvider"/>):
/// once stopped, the next byte PdfPig reads or the next stream it decodes throws, and the parse unwinds instead of running on.
/// </summary>
/// <remarks>
/// A trip is sticky. PdfPig's lenient parsing catches many exceptions and tries another way (a brute-force scan of the file,
/// the raw bytes instead of the decoded ones); every further read and decode throws again, and the reader checks
/// <see cref="Tripped"/> after the parse, so a caught trip still ends as the typed rejection.
/// </remarks>
internal sealed class PdfParseGuard
{
    /// <summary>How many bytes one structure stream (object or cross-reference stream) may inflate to: 64 MiB.</summary>
    /// <remarks>
    /// Object streams hold only dictionaries, arrays and numbers, and a cross-reference stream about 5 to 20 bytes per object; a
    /// real PDF of the largest size accepted (50 MB) has a few MB of them. The limit is far above that and far below the memory a
    /// bomb would take (a 400 KB stream can inflate to 400 MiB).
    /// </remarks>
    public const long DefaultMaxStreamBytes = 64L * 1024 * 1024;

    /// <summary>How many bytes all the streams PdfPig decodes during one parse may inflate to together: 256 MiB.</summary>
    public const long DefaultMaxTotalBytes = 256L * 1024 * 1024;

    private readonly CancellationToken _stop;
    private long _remainingBytes;
    private volatile string? _tripped;

    /// <summary>Creates a guard.</summary>
    /// <param name="stop">Signals the time-out or the caller's cancellation.</param>
    /// <param name="maxStreamBytes">The most one decoded stream may hold.</param>
    /// <param name="maxTotalBytes">The most all decoded streams may hold together.</param>
    public PdfParseGuard(CancellationToken stop, long maxStreamBytes = DefaultMaxStreamBytes, long maxTotalBytes = DefaultMaxTotalBytes)
    {
        _stop = stop;
        MaxStreamBytes = maxStreamBytes;
        _remainingBytes = maxTotalBytes;
    }

    /// <summary>A guard that never stops and has the default budgets (for callers without a time-out).</summary>
    public static PdfParseGuard Unbounded() => new(CancellationToken.None);

    /// <summary>Gets the most one decoded stream may hold.</summary>
    public long MaxStreamBytes { get; }

    /// <summary>Gets the token that stops the parse.</summary>
    public CancellationToken StopToken => _stop;

    /// <summary>Gets why the decompression budget was exhausted, or <see langword="null"/> while it was not.</summary>
    public string? Tripped => _tripped;

    /// <summary>Gets how many decoded bytes the parse may still produce.</summary>
    public long RemainingBytes => Volatile.Read(ref _remainingBytes);

    /// <summary>Throws when the parse must stop: <see cref="OperationCanceledException"/> once stopped, <see cref="PdfBudgetExceededException"/> once tripped.</summary>
    public void ThrowIfStopped()
    {
        _stop.ThrowIfCancellationRequested();
        if (_tripped is { } reason)
        {
            throw new PdfBudgetExceededException(reason);
        }
    }

    /// <summary>Charges decoded bytes to the budget; trips and throws when it runs out.</summary>
    /// <param name="bytes">How many bytes were decoded.</param>
    public void Charge(long bytes)
    {
        if (Interlocked.Add(ref _remainingBytes, -bytes) < 0)
        {
            Trip("the streams it decompresses while opening add up to more than " + Mib(DefaultMaxTotalBytes));
        }
    }

    /// <summary>Records why the parse must stop and throws.</summary>
    /// <param name="reason">The reason, for the rejection message.</param>
    public void Trip(string reason)
    {
        _tripped ??= reason;
        throw new PdfBudgetExceededException(_tripped);
    }

    /// <summary>Formats a byte count as MiB for messages.</summary>
    public static string Mib(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.#} MiB");
}

/// <summary>Thrown inside a guarded parse when the decompression budget is exhausted; the reader turns it into an <see cref="InvalidDocumentException"/>.</summary>
internal sealed class PdfBudgetExceededException : Exception
{
    /// <summary>Creates the exception.</summary>
    public PdfBudgetExceededException()
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What exceeded the budget.</param>
    public PdfBudgetExceededException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What exceeded the budget.</param>
    /// <param name="innerException">The cause.</param>
    public PdfBudgetExceededException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
