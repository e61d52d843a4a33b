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

    /// <summary>
    /// The most <c>/Kids</c> entries (page-tree nodes) a PDF may hold: 512. PdfPig 0.1.16 numbers the pages by recursing down
    /// the page tree, so a chain a few tens of thousands of nodes deep (a 2 MB file) overflows the stack and kills the process,
    /// and it remembers only the last thousand nodes it visited, so a loop through more nodes than that never ends. Producers
    /// build shallow trees (pdfTeX six children per node, iText ten, Word and Ghostscript one node for all pages): a
    /// 1,000-page document has well under a hundred nodes.
    /// </summary>
    public const int MaxPageTreeNodes = 512;

    private readonly CancellationToken _stop;
    private long _remainingBytes;
    private int _pageTreeNodes;
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

    /// <summary>Counts the <c>/Kids</c> names in bytes PdfPig will parse (the file, or a stream it decoded); trips past <see cref="MaxPageTreeNodes"/>.</summary>
    /// <param name="bytes">The bytes.</param>
    public void CountPageTreeNodes(ReadOnlySpan<byte> bytes)
    {
        var count = CountKidsNames(bytes);
        if (count > 0 && Interlocked.Add(ref _pageTreeNodes, count) > MaxPageTreeNodes)
        {
            Trip(string.Create(CultureInfo.InvariantCulture, $"its page tree has more than {MaxPageTreeNodes} nodes (/Kids arrays)"));
        }
    }

    /// <summary>
    /// Counts the name tokens that read <c>/Kids</c> once <c>#xx</c> escapes are decoded, as PdfPig's tokenizer reads names.
    /// Names inside strings or comments count too: an over-count can only reject, never let a deep tree through.
    /// </summary>
    internal static int CountKidsNames(ReadOnlySpan<byte> bytes)
    {
        var count = 0;
        var at = 0;
        Span<byte> name = stackalloc byte[5];
        while (NextName(bytes, ref at, name, out var length))
        {
            if (length == 4 && name[..4].SequenceEqual("Kids"u8))
            {
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// Finds a <c>/W</c> array with a negative entry or one over a million. PdfPig 0.1.16 sums a cross-reference stream's
    /// <c>/W</c> widths and <c>stackalloc</c>s that many bytes when the sum is at most 1,024: a negative sum becomes a huge
    /// unsigned size and a stack overflow that kills the process (found by the fuzz runner). Real widths are 0 to 8; font
    /// <c>/W</c> arrays (glyph widths) hold no negative numbers either, so nothing real is refused.
    /// </summary>
    /// <returns>The offending array's text for the message, or <see langword="null"/>.</returns>
    internal static string? FindHostileWidths(ReadOnlySpan<byte> bytes)
    {
        var at = 0;
        Span<byte> name = stackalloc byte[2];
        while (NextName(bytes, ref at, name, out var length))
        {
            if (length != 1 || name[0] != (byte)'W')
            {
                continue;
            }

            var rest = bytes[at..].TrimStart(" \t\r\n\f\0"u8);
            if (rest.IsEmpty || rest[0] != (byte)'[')
            {
                continue;
            }

            // The first-level entries only: up to the closing bracket, a nested array (font widths) or a name.
            rest = rest[1..];
            var close = rest.IndexOfAny((byte)']', (byte)'[', (byte)'/');
            var array = rest[..(close >= 0 ? close : Math.Min(rest.Length, 64))];
            foreach (var part in System.Text.Encoding.Latin1.GetString(array).Split([' ', '\t', '\r', '\n', '\f', '\0'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (part.StartsWith('-') || (double.TryParse(part, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value > 1_000_000))
                {
                    return "/W [" + part + " ...]";
                }
            }
        }

        return null;
    }

    /// <summary>Reads the next name token after <paramref name="at"/>, decoding <c>#xx</c> escapes into <paramref name="name"/> (its length may exceed the buffer).</summary>
    private static bool NextName(ReadOnlySpan<byte> bytes, ref int at, Span<byte> name, out int length)
    {
        length = 0;
        var slash = at < bytes.Length ? bytes[at..].IndexOf((byte)'/') : -1;
        if (slash < 0)
        {
            at = bytes.Length;
            return false;
        }

        var i = at + slash + 1;
        while (i < bytes.Length && length <= name.Length && !IsDelimiter(bytes[i]))
        {
            byte b;
            if (bytes[i] == (byte)'#' && i + 2 < bytes.Length && IsHex(bytes[i + 1]) && IsHex(bytes[i + 2]))
            {
                b = (byte)((Hex(bytes[i + 1]) << 4) | Hex(bytes[i + 2]));
                i += 3;
            }
            else
            {
                b = bytes[i];
                i++;
            }

            if (length < name.Length)
            {
                name[length] = b;
            }

            length++;
        }

        at = i;
        return true;
    }

    private static bool IsDelimiter(byte b) => b is (byte)' ' or (byte)'\n' or (byte)'\r' or (byte)'\t' or (byte)'\f' or 0
        or (byte)'/' or (byte)'[' or (byte)']' or (byte)'<' or (byte)'>' or (byte)'(' or (byte)')' or (byte)'{' or (byte)'}' or (byte)'%';

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    private static int Hex(byte b) => b <= (byte)'9' ? b - '0' : (b | 0x20) - 'a' + 10;

    /// <summary>Trips when the bytes hold a <c>/W</c> array that would crash PdfPig (see <see cref="FindHostileWidths"/>).</summary>
    /// <param name="bytes">The file's bytes.</param>
    public void CheckCrossReferenceWidths(ReadOnlySpan<byte> bytes)
    {
        if (FindHostileWidths(bytes) is { } widths)
        {
            Trip("its cross-reference stream widths (" + widths + ") are invalid");
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
