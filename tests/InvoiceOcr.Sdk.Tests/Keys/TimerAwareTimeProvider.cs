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

        return base.CreateTimer(callback, state, dueTime, period);
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
}
