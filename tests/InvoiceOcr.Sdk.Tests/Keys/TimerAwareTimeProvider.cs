using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.Tests.Keys;

/// <summary>A fake clock that lets a test wait until code under test starts a timer of a given length, then advance past it: no wall-clock sleeps.</summary>
public sealed class TimerAwareTimeProvider(DateTimeOffset start) : FakeTimeProvider(start)
{
    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _unclaimed = [];
    private readonly List<(TimeSpan DueTime, TaskCompletionSource Signal)> _waiters = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Started(dueTime);
        return new ObservedTimer(base.CreateTimer(callback, state, dueTime, period), this);
    }

    private void Started(TimeSpan dueTime)
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

    /// <summary>Completes once a timer with exactly this due time has been created (each timer satisfies one wait).</summary>
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

        // A safety net so a broken test fails instead of hanging; it is not a timing assertion.
        return wait.WaitAsync(TimeSpan.FromSeconds(60), TestContext.Current.CancellationToken);
    }

    /// <summary>Waits for a timer of the given length, then moves the clock past it.</summary>
    public async Task AdvanceWhenTimerStartsAsync(TimeSpan dueTime)
    {
        await WaitForTimerAsync(dueTime);
        Advance(dueTime);
    }

    /// <summary>Reports re-armed timers too (CancellationTokenSource.CancelAfter changes an existing timer).</summary>
    private sealed class ObservedTimer(ITimer inner, TimerAwareTimeProvider owner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            owner.Started(dueTime);
            return inner.Change(dueTime, period);
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
