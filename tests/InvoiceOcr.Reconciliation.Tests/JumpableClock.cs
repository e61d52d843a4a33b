using System.Globalization;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// The shared scaled clock (<see cref="ScaledTimeProvider"/>) that a test can move forward at once, in every process: the test
/// jumps its own clock first and then writes the total jump to a file; worker processes read that file every few real
/// milliseconds. So a worker can be behind the test (and the emulator, which runs on the test's clock) for a moment after a
/// jump, never ahead of it. Timers already running keep their pace; only readings of the time move.
/// </summary>
internal sealed class JumpableClock : TimeProvider, IDisposable
{
    private readonly ScaledTimeProvider _inner;
    private readonly string _offsetFile;
    private readonly ITimer? _watch;
    private long _offsetTicks;

    private JumpableClock(ScaledTimeProvider inner, string offsetFile, bool watch)
    {
        _inner = inner;
        _offsetFile = offsetFile;
        if (watch)
        {
            Refresh();
            _watch = System.CreateTimer(static state => ((JumpableClock)state!).Refresh(), this, TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(5));
        }
    }

    /// <summary>Creates the test's clock: it jumps with <see cref="JumpTo"/> and publishes each jump to <paramref name="offsetFile"/>.</summary>
    public static JumpableClock ForTest(ScaledTimeProvider inner, string offsetFile) => new(inner, offsetFile, watch: false);

    /// <summary>Creates a worker's clock: it follows the jumps published in <paramref name="offsetFile"/>.</summary>
    public static JumpableClock ForWorker(ScaledTimeProvider inner, string offsetFile) => new(inner, offsetFile, watch: true);

    public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

    public override long GetTimestamp() => _inner.GetTimestamp();

    public override long TimestampFrequency => _inner.TimestampFrequency;

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => _inner.CreateTimer(callback, state, dueTime, period);

    /// <summary>Moves this clock forward to <paramref name="instant"/> (never back) and publishes the jump to the workers.</summary>
    public void JumpTo(DateTimeOffset instant)
    {
        var gap = instant - GetUtcNow();
        if (gap <= TimeSpan.Zero)
        {
            return;
        }

        var total = Interlocked.Add(ref _offsetTicks, gap.Ticks);

        // Written whole and renamed into place, so a worker never reads half a number.
        var temporary = _offsetFile + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllText(temporary, total.ToString(CultureInfo.InvariantCulture));
        File.Move(temporary, _offsetFile, overwrite: true);
    }

    public void Dispose() => _watch?.Dispose();

    private void Refresh()
    {
        try
        {
            if (File.Exists(_offsetFile) && long.TryParse(File.ReadAllText(_offsetFile), NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks) && ticks > Interlocked.Read(ref _offsetTicks))
            {
                Interlocked.Exchange(ref _offsetTicks, ticks);
            }
        }
        catch (IOException)
        {
            // Being replaced right now: the next tick reads it.
        }
    }
}
