using System.Diagnostics;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// A clock that starts at a fixed instant and runs <c>factor</c> times faster than real time, timers included. The SDK
/// and the emulator share it, so a per-minute 429's "retry in 41 s" costs well under a second of real time while every
/// quota window, cool-down and backoff keeps its real meaning. Starting at a fixed instant keeps a run inside one
/// Pacific day whatever the wall clock says.
/// </summary>
/// <remarks>
/// Several OS processes cannot share one clock object, but they can share a formula: created with a real-time
/// <c>epoch</c>, the clock reads <c>start + (wall clock − epoch) × factor</c>, so every process given the same start,
/// epoch and factor (on its command line) reads the same fake time, give or take the microseconds between two reads
/// of the machine's wall clock.
/// </remarks>
internal sealed class ScaledTimeProvider : TimeProvider
{
    private readonly DateTimeOffset _start;
    private readonly double _factor;
    private readonly DateTimeOffset? _epoch;
    private readonly long _origin = Stopwatch.GetTimestamp();

    public ScaledTimeProvider(DateTimeOffset start, double factor)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(factor, 1.0);
        _start = start;
        _factor = factor;
    }

    /// <summary>Creates a clock that reads the same fake time in every process created with the same arguments.</summary>
    /// <param name="start">The fake time at <paramref name="epoch"/>.</param>
    /// <param name="factor">How much faster than real time the clock runs.</param>
    /// <param name="epoch">The real (wall clock) instant at which the fake time is <paramref name="start"/>.</param>
    public ScaledTimeProvider(DateTimeOffset start, double factor, DateTimeOffset epoch)
        : this(start, factor)
    {
        _epoch = epoch;
    }

    public DateTimeOffset Start => _start;

    public double Factor => _factor;

    public override DateTimeOffset GetUtcNow()
    {
        var elapsed = _epoch is { } epoch ? System.GetUtcNow() - epoch : Stopwatch.GetElapsedTime(_origin);
        return _start + TimeSpan.FromTicks((long)(elapsed.Ticks * _factor));
    }

    public override long GetTimestamp() => Stopwatch.GetTimestamp();

    public override long TimestampFrequency => (long)(Stopwatch.Frequency / _factor);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
        new ScaledTimer(System.CreateTimer(callback, state, Scale(dueTime), Scale(period)), this);

    /// <summary>Converts a span of fake time to the real time it takes.</summary>
    public TimeSpan Scale(TimeSpan span) =>
        span == Timeout.InfiniteTimeSpan || span <= TimeSpan.Zero ? span : TimeSpan.FromTicks(Math.Max(1, (long)(span.Ticks / _factor)));

    private sealed class ScaledTimer(ITimer inner, ScaledTimeProvider owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period) => inner.Change(owner.Scale(dueTime), owner.Scale(period));

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
