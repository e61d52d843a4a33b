using System.Diagnostics;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// A clock that starts at a fixed instant and runs <c>factor</c> times faster than real time, timers included. The SDK
/// and the emulator share it, so a per-minute 429's "retry in 41 s" costs well under a second of real time while every
/// quota window, cool-down and backoff keeps its real meaning. Starting at a fixed instant keeps a run inside one
/// Pacific day whatever the wall clock says.
/// </summary>
internal sealed class ScaledTimeProvider : TimeProvider
{
    private readonly DateTimeOffset _start;
    private readonly double _factor;
    private readonly long _origin = Stopwatch.GetTimestamp();

    public ScaledTimeProvider(DateTimeOffset start, double factor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1.0);
        _start = start;
        _factor = factor;
    }

    public override DateTimeOffset GetUtcNow() => _start + TimeSpan.FromTicks((long)(Stopwatch.GetElapsedTime(_origin).Ticks * _factor));

    public override long GetTimestamp() => Stopwatch.GetTimestamp();

    public override long TimestampFrequency => (long)(Stopwatch.Frequency / _factor);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new ScaledTimer(System.CreateTimer(callback, state, Scale(dueTime), Scale(period)), this);

    private TimeSpan Scale(TimeSpan span) =>
        span == Timeout.InfiniteTimeSpan || span <= TimeSpan.Zero ? span : TimeSpan.FromTicks(Math.Max(1, (long)(span.Ticks / _factor)));

    private sealed class ScaledTimer(ITimer inner, ScaledTimeProvider owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(owner.Scale(dueTime), owner.Scale(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
