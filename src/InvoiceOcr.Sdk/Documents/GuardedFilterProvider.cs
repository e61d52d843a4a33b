using System.Buffers;
using System.IO.Compression;
using System.Runtime.InteropServices;
using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Tokens;

namespace InvoiceOcr.Sdk.Documents;

/// <summary>
/// PdfPig's filters behind a <see cref="PdfParseGuard"/>: every decode first checks that the parse may go on, Flate and
/// run-length streams are measured before they are inflated (so a bomb is refused before it takes memory), and every decoded
/// byte is charged to the parse's budget; <c>/Kids</c> names in decoded streams count against
/// <see cref="PdfParseGuard.MaxPageTreeNodes"/>.
/// </summary>
/// <remarks>
/// PdfPig's <see cref="FlateFilter"/> inflates into a <see cref="MemoryStream"/> with no size limit: a 400 KB object stream can
/// become 400 MiB. Measuring first costs a second inflation of each structure stream, which is small next to the parse
/// (intake decodes only cross-reference and object streams, never page content). LZW output cannot be measured without
/// decoding it; it is charged after the decode, and LZW structure streams are practically unknown.
/// One instance per parse: PdfPig uses a document from one thread.
/// </remarks>
internal sealed class GuardedFilterProvider : IFilterProvider
{
    private static readonly IFilterProvider Inner = DefaultFilterProvider.Instance;

    private readonly PdfParseGuard _guard;
    private readonly List<(IFilter Inner, IFilter Guarded)> _wrapped = [];

    /// <summary>Creates a provider for one parse.</summary>
    /// <param name="guard">The parse's limits.</param>
    public GuardedFilterProvider(PdfParseGuard guard)
    {
        _guard = guard;
    }

    /// <inheritdoc />
    public IReadOnlyList<IFilter> GetFilters(DictionaryToken dictionary) => Wrap(Inner.GetFilters(dictionary));

    /// <inheritdoc />
    public IReadOnlyList<IFilter> GetNamedFilters(IReadOnlyList<NameToken> names) => Wrap(Inner.GetNamedFilters(names));

    /// <inheritdoc />
    public IReadOnlyList<IFilter> GetAllFilters() => Wrap(Inner.GetAllFilters());

    private IFilter[] Wrap(IReadOnlyList<IFilter> filters)
    {
        var result = new IFilter[filters.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = Wrap(filters[i]);
        }

        return result;
    }

    private IFilter Wrap(IFilter filter)
    {
        foreach (var (inner, guarded) in _wrapped)
        {
            if (ReferenceEquals(inner, filter))
            {
                return guarded;
            }
        }

        var wrapped = new GuardedFilter(filter, _guard);
        _wrapped.Add((filter, wrapped));
        return wrapped;
    }

    private sealed class GuardedFilter(IFilter inner, PdfParseGuard guard) : IFilter
    {
        public bool IsSupported => inner.IsSupported;

        public Memory<byte> Decode(Memory<byte> input, DictionaryToken streamDictionary, IFilterProvider filterProvider, int filterIndex)
        {
            guard.ThrowIfStopped();
            var limit = Math.Min(guard.MaxStreamBytes, guard.RemainingBytes);
            var expected = inner switch
            {
                FlateFilter => InflatedLength(input, limit, guard.StopToken),
                RunLengthFilter => RunLengthDecodedLength(input.Span),
                _ => 0,
            };
            if (expected > limit)
            {
                guard.Trip(expected > guard.MaxStreamBytes
                    ? "a compressed stream inflates to more than " + PdfParseGuard.Mib(guard.MaxStreamBytes)
                    : "the streams it decompresses while opening add up to more than " + PdfParseGuard.Mib(PdfParseGuard.DefaultMaxTotalBytes));
            }

            var output = inner.Decode(input, streamDictionary, filterProvider, filterIndex);
            guard.Charge(output.Length);

            // Page-tree nodes hidden in an object stream count like those in the file itself.
            guard.CountPageTreeNodes(output.Span);
            return output;
        }
    }

    /// <summary>
    /// Inflates a zlib stream as PdfPig does (two header bytes skipped, raw deflate after), counting the output without keeping
    /// it, and stops one byte past <paramref name="limit"/>. Corrupt data ends the count where PdfPig's decode would end too.
    /// </summary>
    internal static long InflatedLength(ReadOnlyMemory<byte> input, long limit, CancellationToken stop)
    {
        if (input.Length < 2)
        {
            return 0;
        }

        using var source = AsStream(input[2..]);
        using var inflater = new DeflateStream(source, CompressionMode.Decompress);
        var buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
        long total = 0;
        try
        {
            int read;
            while ((read = inflater.Read(buffer, 0, buffer.Length)) > 0)
            {
                total += read;
                if (total > limit)
                {
                    return total;
                }

                stop.ThrowIfCancellationRequested();
            }
        }
        catch (InvalidDataException)
        {
            // PdfPig's own decode of the same bytes fails at the same point; what came out before is what it may keep.
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }

        return total;
    }

    /// <summary>The exact output length of a RunLengthDecode stream (ISO 32000-1, 7.4.5), read from its length bytes alone.</summary>
    internal static long RunLengthDecodedLength(ReadOnlySpan<byte> input)
    {
        long total = 0;
        var i = 0;
        while (i < input.Length)
        {
            var length = input[i];
            if (length == 128)
            {
                break;
            }

            if (length < 128)
            {
                total += length + 1;
                i += length + 2;
            }
            else
            {
                total += 257 - length;
                i += 2;
            }
        }

        return total;
    }

    /// <summary>A read-only stream over memory, without a copy when the memory is an array.</summary>
    internal static MemoryStream AsStream(ReadOnlyMemory<byte> memory) =>
        MemoryMarshal.TryGetArray(memory, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(memory.ToArray(), writable: false);
}
