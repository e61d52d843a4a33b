using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// The store's one instrument, OpenTelemetry's <c>db.client.operation.duration</c>: how long each store operation took
/// end to end (connection, transaction, statements, commit and, with a durable commit, its fsync), so an operator sees
/// which operation a slow database slows, and the load harness splits a call's overhead by operation.
/// </summary>
/// <remarks>
/// <c>db.operation.name</c> is the store operation (<c>reserve</c>, <c>append_batch</c>, <c>list_by_company</c>...), not a
/// SQL verb: one operation is a transaction of several statements. Nothing is timed while no listener is subscribed.
/// </remarks>
internal sealed class RelationalStoreMetrics
{
    /// <summary>The instrument's name (unit <c>s</c>) on the <see cref="InvoiceOcrTelemetry.MeterName"/> meter.</summary>
    public const string OperationDurationInstrument = "db.client.operation.duration";

    // Finer than the semantic conventions' advice (which starts at 1 ms): an embedded SQLite operation takes 0.05–1 ms.
    private static readonly double[] Buckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

    // Member names arrive as compile-time constants; each is turned into its tag value once.
    private static readonly ConcurrentDictionary<string, string> OperationNames = new(StringComparer.Ordinal);

    private readonly Histogram<double> _duration;
    private readonly string _systemName;

    /// <summary>Creates the instrument on the SDK's meter.</summary>
    /// <param name="meterFactory">Creates the SDK's meter.</param>
    /// <param name="systemName">The provider's <c>db.system.name</c>.</param>
    public RelationalStoreMetrics(IMeterFactory meterFactory, string systemName)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        ArgumentException.ThrowIfNullOrEmpty(systemName);
        _systemName = systemName;
        _duration = meterFactory.Create(InvoiceOcrTelemetry.MeterName).CreateHistogram(
            OperationDurationInstrument,
            "s",
            "Duration of each store operation, from opening its connection to its commit.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = Buckets });
    }

    /// <summary>Gets the timestamp to pass to <see cref="Record"/>, or 0 when nobody listens (nothing is measured then).</summary>
    public long Start() => _duration.Enabled ? Stopwatch.GetTimestamp() : 0;

    /// <summary>Records an operation that began at <paramref name="started"/>.</summary>
    /// <param name="started">What <see cref="Start"/> returned; 0 records nothing.</param>
    /// <param name="operation">The calling member's name (<c>ReserveAsync</c>).</param>
    /// <param name="error">The exception the operation ended with, if any.</param>
    public void Record(long started, string operation, Exception? error)
    {
        if (started == 0)
        {
            return;
        }

        var tags = new TagList
        {
            { "db.system.name", _systemName },
            { "db.operation.name", OperationNames.GetOrAdd(operation, static name => ToTagValue(name)) },
        };
        if (error is not null)
        {
            tags.Add("error.type", error is InvoiceOcrException known ? known.Kind.ToString() : error.GetType().FullName);
        }

        _duration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
    }

    /// <summary>
    /// Records a failed operation, for an exception filter (<c>when (RecordFailure(...) &amp;&amp; ...)</c>): it catches
    /// nothing and always returns <see langword="true"/>. Without metrics (<paramref name="metrics"/> null) it records nothing.
    /// </summary>
    /// <param name="metrics">The store's instrument, if it has one.</param>
    /// <param name="started">What <see cref="Start"/> returned.</param>
    /// <param name="operation">The calling member's name.</param>
    /// <param name="error">The exception the operation failed with.</param>
    /// <returns><see langword="true"/>.</returns>
    public static bool RecordFailure(RelationalStoreMetrics? metrics, long started, string operation, Exception error)
    {
        metrics?.Record(started, operation, error);
        return true;
    }

    /// <summary>The tag value of a calling member: <c>ListByCompanyAsync</c> → <c>list_by_company</c>, <c>InvoiceOcr.Sdk.IUsageLedger.GetAsync</c> (an explicit implementation) → <c>get</c>.</summary>
    internal static string ToTagValue(string member)
    {
        var name = member.AsSpan(member.LastIndexOf('.') + 1);
        if (name.EndsWith("Async", StringComparison.Ordinal))
        {
            name = name[..^5];
        }

        var value = new StringBuilder(name.Length + 4);
        for (var i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
            {
                value.Append('_');
            }

            value.Append(char.ToLowerInvariant(name[i]));
        }

        return value.Length == 0 ? "other" : value.ToString();
    }
}
