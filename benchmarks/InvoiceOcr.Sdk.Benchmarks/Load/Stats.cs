using System.Diagnostics;

namespace InvoiceOcr.Sdk.Benchmarks.Load;

/// <summary>Latencies of one series, in milliseconds.</summary>
internal sealed class Latencies
{
    private readonly List<double> _values = [];
    private readonly Lock _gate = new();

    public int Count => _values.Count;

    public void Add(long startTimestamp) => AddMilliseconds(Stopwatch.GetElapsedTime(startTimestamp).TotalMilliseconds);

    public void AddMilliseconds(double ms)
    {
        lock (_gate)
        {
            _values.Add(ms);
        }
    }

    public double Percentile(double q)
    {
        lock (_gate)
        {
            if (_values.Count == 0)
            {
                return double.NaN;
            }

            var sorted = _values.ToArray();
            Array.Sort(sorted);
            var index = (int)Math.Ceiling(q * sorted.Length) - 1;
            return sorted[Math.Clamp(index, 0, sorted.Length - 1)];
        }
    }
}

/// <summary>One row of the results table.</summary>
internal sealed record Figure(string Name, string Value, string Target, bool? Met, string Notes = "");
