using System.Diagnostics.CodeAnalysis;

namespace InvoiceOcr.Sdk.Extraction;

/// <summary>
/// The results of successful model extractions made with an idempotency key, by operation id, so that a replay returns
/// the first result instead of paying for a second model call. In process, bounded: at most <see cref="Capacity"/>
/// entries (the oldest go first), each kept for <see cref="Retention"/> by the <see cref="TimeProvider"/>. A replay whose
/// entry is gone is still caught by the usage ledger (<see cref="InvoiceOcrErrorKind.DuplicateOperation"/>).
/// </summary>
internal sealed class ExtractionResultCache(TimeProvider timeProvider)
{
    /// <summary>The most results kept.</summary>
    internal const int Capacity = 4096;

    /// <summary>How long a result is kept.</summary>
    internal static readonly TimeSpan Retention = TimeSpan.FromHours(24);

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Queue<string> _order = new();

    /// <summary>Gets the number of results held (expired ones included until they are looked up or pushed out).</summary>
    internal int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Looks up the result of an operation.</summary>
    /// <param name="operationId">The operation id.</param>
    /// <param name="result">The result, when held and not expired.</param>
    /// <returns>Whether a result was found.</returns>
    public bool TryGet(string operationId, [NotNullWhen(true)] out InvoiceExtractionResult? result)
    {
        ArgumentNullException.ThrowIfNull(operationId);
        lock (_gate)
        {
            if (_entries.TryGetValue(operationId, out var entry))
            {
                if (entry.ExpiresAt > timeProvider.GetUtcNow())
                {
                    result = entry.Result;
                    return true;
                }

                _ = _entries.Remove(operationId);
            }

            result = null;
            return false;
        }
    }

    /// <summary>Keeps the result of an operation, pushing out the oldest when full.</summary>
    /// <param name="operationId">The operation id.</param>
    /// <param name="result">The result.</param>
    public void Add(string operationId, InvoiceExtractionResult result)
    {
        ArgumentNullException.ThrowIfNull(operationId);
        ArgumentNullException.ThrowIfNull(result);
        lock (_gate)
        {
            var entry = new Entry(result, timeProvider.GetUtcNow() + Retention);
            if (_entries.ContainsKey(operationId))
            {
                _entries[operationId] = entry;
                return;
            }

            while (_entries.Count >= Capacity && _order.TryDequeue(out var oldest))
            {
                _ = _entries.Remove(oldest);
            }

            // Ids removed on expiry may still be queued; drop them so the queue stays bounded.
            while (_order.Count >= Capacity && _order.TryDequeue(out var stale))
            {
                _ = _entries.Remove(stale);
            }

            _entries.Add(operationId, entry);
            _order.Enqueue(operationId);
        }
    }

    private readonly record struct Entry(InvoiceExtractionResult Result, DateTimeOffset ExpiresAt);
}
