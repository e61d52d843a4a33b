using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.Tests.EndToEnd;

/// <summary>
/// A fake clock shared by the SDK and the emulator that lets a test wait until code under test has armed a timer of a
/// given length, then move past it: no wall-clock sleeps. A timer is reported only once the fake clock has registered it,
/// so advancing right after the wait always fires it.
/// </summary>
public sealed class KeyPoolTestClock(DateTimeOffset start) : FakeTimeProvider(start)
{
    /// <summary>How long a broken test waits for a timer before failing instead of hanging; not a timing assertion.</summary>
    public static readonly TimeSpan SafetyNet = TimeSpan.FromSeconds(60);

    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _unclaimed = [];
    private readonly List<(TimeSpan DueTime, TaskCompletionSource Signal)> _waiters = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = new ObservedTimer(base.CreateTimer(callback, state, dueTime, period), this);
        Armed(dueTime);
        return timer;
    }

    /// <summary>Completes once a timer with exactly this due time has been armed (each timer satisfies one wait).</summary>
    public Task WaitForTimerAsync(TimeSpan dueTime)
    {
        Task wait;
        lock (_gate)
        {
            var index = _unclaimed.IndexOf(dueTime);
            if (index >= 0)
            {
                _unclaimed.RemoveAt(index);
                return Task.CompletedTask;
            }

            var signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((dueTime, signal));
            wait = signal.Task;
        }

        return wait.WaitAsync(SafetyNet, TestContext.Current.CancellationToken);
    }

    /// <summary>Waits for a timer of the given length, then moves the clock exactly past it.</summary>
    public async Task AdvanceWhenTimerStartsAsync(TimeSpan dueTime)
    {
        await WaitForTimerAsync(dueTime);
        Advance(dueTime);
    }

    private void Armed(TimeSpan dueTime)
    {
        if (dueTime == Timeout.InfiniteTimeSpan)
        {
            return;
        }

        lock (_gate)
        {
            var index = _waiters.FindIndex(w => w.DueTime == dueTime);
            if (index >= 0)
            {
                _waiters[index].Signal.TrySetResult();
                _waiters.RemoveAt(index);
            }
            else
            {
                _unclaimed.Add(dueTime);
            }
        }
    }

    /// <summary>Reports re-armed timers too (CancellationTokenSource.CancelAfter changes an existing timer).</summary>
    private sealed class ObservedTimer(ITimer inner, KeyPoolTestClock owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            var changed = inner.Change(dueTime, period);
            owner.Armed(dueTime);
            return changed;
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
