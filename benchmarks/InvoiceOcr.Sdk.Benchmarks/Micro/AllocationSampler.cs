using System.Collections.Concurrent;
using System.Diagnostics.Tracing;
using System.Globalization;

namespace InvoiceOcr.Sdk.Benchmarks.Micro;

/// <summary>
/// Samples what a loop allocates, by type, from the runtime's own <c>AllocationTick</c> events (one per ~100 KB a thread
/// allocates, naming the type whose allocation crossed the mark): no profiler, no package. Over many calls the share of
/// samples per type is its share of the bytes. <c>model-call-loop [seconds] types</c> prints the table at the end.
/// </summary>
internal sealed class AllocationSampler : EventListener
{
    // The GC keyword (0x1) at verbose level carries GCAllocationTick_V4 (event 10): its payload names the type and the size.
    private const EventKeywords GcKeyword = (EventKeywords)0x1;
    private readonly ConcurrentDictionary<string, long> _bytes = new(StringComparer.Ordinal);
    private volatile bool _on;

    public void Start() => _on = true;

    public void Stop() => _on = false;

    public void Print(TextWriter writer, long calls, int top = 30)
    {
        var total = _bytes.Values.Sum();
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Allocation samples by type (share of ~{total / 1024 / 1024} MiB sampled over {calls} calls):"));
        foreach (var (type, bytes) in _bytes.OrderByDescending(p => p.Value).Take(top))
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {bytes * 100.0 / total,5:0.0} %  ~{bytes / (double)calls,7:0} B/call  {type}"));
        }
    }

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        if (eventSource.Name == "Microsoft-Windows-DotNETRuntime")
        {
            EnableEvents(eventSource, EventLevel.Verbose, GcKeyword);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (!_on || eventData.EventId != 10 || eventData.Payload is null || eventData.PayloadNames is null)
        {
            return;
        }

        var type = "?";
        long amount = 0;
        for (var i = 0; i < eventData.PayloadNames.Count; i++)
        {
            switch (eventData.PayloadNames[i])
            {
                case "TypeName":
                    type = eventData.Payload[i] as string ?? "?";
                    break;
                case "AllocationAmount64":
                    amount = Convert.ToInt64(eventData.Payload[i], CultureInfo.InvariantCulture);
                    break;
            }
        }

        _bytes.AddOrUpdate(type, amount, (_, sum) => sum + amount);
    }
}
