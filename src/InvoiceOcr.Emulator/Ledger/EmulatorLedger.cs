namespace InvoiceOcr.Emulator;

/// <summary>
/// The emulator's billing ledger: every call the real service would bill, in order. Thread-safe; reads return snapshots.
/// This is the ground truth an SDK's own usage records are reconciled against.
/// </summary>
public sealed class EmulatorLedger
{
    private readonly Lock _gate = new();
    private readonly List<EmulatorLedgerEntry> _entries = [];
    private long _sequence;

    /// <summary>Gets a snapshot of every billed call, oldest first.</summary>
    public IReadOnlyList<EmulatorLedgerEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries];
            }
        }
    }

    /// <summary>Gets the number of billed calls.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>Returns the totals per key id.</summary>
    /// <returns>Key id → totals.</returns>
    public IReadOnlyDictionary<string, EmulatorUsageTotals> TotalsByKey() => Totals(static e => e.KeyId);

    /// <summary>Returns the totals per project.</summary>
    /// <returns>Project → totals.</returns>
    public IReadOnlyDictionary<string, EmulatorUsageTotals> TotalsByProject() => Totals(static e => e.Project);

    /// <summary>Removes every entry (for example between test cases sharing one emulator).</summary>
    public void Clear()
    {
        lock (_gate)
        {
            _entries.Clear();
        }
    }

    internal EmulatorLedgerEntry Add(Func<long, EmulatorLedgerEntry> create)
    {
        lock (_gate)
        {
            var entry = create(++_sequence);
            _entries.Add(entry);
            return entry;
        }
    }

    private Dictionary<string, EmulatorUsageTotals> Totals(Func<EmulatorLedgerEntry, string> by) =>
        Entries.GroupBy(by, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g => new EmulatorUsageTotals(
                g.LongCount(),
                g.Sum(e => (long)e.PromptTokenCount),
                g.Sum(e => (long)e.CandidatesTokenCount),
                g.Sum(e => (long)e.ThoughtsTokenCount),
                g.Sum(e => (long)e.TotalTokenCount))
            {
                CachedTokens = g.Sum(e => (long)e.CachedContentTokenCount),
                LostAnswers = g.LongCount(e => e.AnswerLost),
            },
            StringComparer.Ordinal);
}
