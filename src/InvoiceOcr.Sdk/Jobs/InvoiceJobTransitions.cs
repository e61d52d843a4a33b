using System.Collections.Frozen;

namespace InvoiceOcr.Sdk;

/// <summary>
/// The one table of allowed item transitions. Stores call <see cref="Ensure"/> before every change of an item's state, so an
/// illegal move fails the same way everywhere (<see cref="InvoiceOcrErrorKind.JobTransitionRejected"/>), and a reconciliation
/// checks every recorded history with <see cref="IsValidPath"/>.
/// </summary>
public static class InvoiceJobTransitions
{
    private static readonly FrozenSet<(InvoiceJobItemState From, InvoiceJobItemState To)> AllowedSet = new[]
    {
        // A worker leases waiting items; an expired lease is taken over by another worker (Processing → Processing).
        (InvoiceJobItemState.Pending, InvoiceJobItemState.Processing),
        (InvoiceJobItemState.Retrying, InvoiceJobItemState.Processing),
        (InvoiceJobItemState.Processing, InvoiceJobItemState.Processing),

        // A worker ends its lease.
        (InvoiceJobItemState.Processing, InvoiceJobItemState.Completed),
        (InvoiceJobItemState.Processing, InvoiceJobItemState.Failed),
        (InvoiceJobItemState.Processing, InvoiceJobItemState.Retrying),
        (InvoiceJobItemState.Processing, InvoiceJobItemState.QuotaExceeded),
        (InvoiceJobItemState.Processing, InvoiceJobItemState.Pending),
        (InvoiceJobItemState.Processing, InvoiceJobItemState.Suspended),
        (InvoiceJobItemState.Processing, InvoiceJobItemState.Cancelled),

        // The company's quota ran out: waiting items are parked with it, and resume when it resets.
        (InvoiceJobItemState.Pending, InvoiceJobItemState.QuotaExceeded),
        (InvoiceJobItemState.Retrying, InvoiceJobItemState.QuotaExceeded),
        (InvoiceJobItemState.QuotaExceeded, InvoiceJobItemState.Pending),

        // Manual intervention: suspend, resume, cancel, retry failed items.
        (InvoiceJobItemState.Pending, InvoiceJobItemState.Suspended),
        (InvoiceJobItemState.Retrying, InvoiceJobItemState.Suspended),
        (InvoiceJobItemState.QuotaExceeded, InvoiceJobItemState.Suspended),
        (InvoiceJobItemState.Suspended, InvoiceJobItemState.Pending),
        (InvoiceJobItemState.Pending, InvoiceJobItemState.Cancelled),
        (InvoiceJobItemState.Retrying, InvoiceJobItemState.Cancelled),
        (InvoiceJobItemState.QuotaExceeded, InvoiceJobItemState.Cancelled),
        (InvoiceJobItemState.Suspended, InvoiceJobItemState.Cancelled),
        (InvoiceJobItemState.Failed, InvoiceJobItemState.Pending),
    }.ToFrozenSet();

    /// <summary>Gets every allowed transition (from, to).</summary>
    public static IReadOnlyCollection<(InvoiceJobItemState From, InvoiceJobItemState To)> Allowed => AllowedSet;

    /// <summary>Returns whether an item may move from one state to another.</summary>
    /// <param name="from">The current state.</param>
    /// <param name="to">The state asked for.</param>
    /// <returns><see langword="true"/> when the table allows it.</returns>
    public static bool IsAllowed(InvoiceJobItemState from, InvoiceJobItemState to) => AllowedSet.Contains((from, to));

    /// <summary>Returns whether a state ends an item (<see cref="InvoiceJobItemState.Completed"/>, <see cref="InvoiceJobItemState.Failed"/>, <see cref="InvoiceJobItemState.Cancelled"/>).</summary>
    /// <param name="state">The state.</param>
    /// <returns><see langword="true"/> for a terminal state.</returns>
    public static bool IsTerminal(InvoiceJobItemState state) =>
        state is InvoiceJobItemState.Completed or InvoiceJobItemState.Failed or InvoiceJobItemState.Cancelled;

    /// <summary>Throws unless the move is allowed.</summary>
    /// <param name="itemId">The item, named in the message.</param>
    /// <param name="from">The current state.</param>
    /// <param name="to">The state asked for.</param>
    /// <exception cref="InvoiceOcrException">With <see cref="InvoiceOcrErrorKind.JobTransitionRejected"/>.</exception>
    public static void Ensure(string itemId, InvoiceJobItemState from, InvoiceJobItemState to)
    {
        if (!IsAllowed(from, to))
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.JobTransitionRejected,
                $"The job item {itemId} cannot move from {from} to {to}.");
        }
    }

    /// <summary>Throws when the caller's version of an item is not the stored one (someone else changed it meanwhile).</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="expected">The version the caller read.</param>
    /// <param name="actual">The stored version.</param>
    /// <exception cref="InvoiceOcrException">With <see cref="InvoiceOcrErrorKind.JobVersionConflict"/>.</exception>
    public static void EnsureVersion(string itemId, long expected, long actual)
    {
        if (expected != actual)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.JobVersionConflict,
                $"The job item {itemId} was changed by someone else (version {actual}, expected {expected}); read it again.");
        }
    }

    /// <summary>
    /// Returns whether a recorded history is a valid path: it starts at <see cref="InvoiceJobItemState.Pending"/>, each
    /// transition starts where the previous one ended, and every transition is allowed.
    /// </summary>
    /// <param name="history">The item's transitions, oldest first.</param>
    /// <returns><see langword="true"/> for a valid path.</returns>
    public static bool IsValidPath(IReadOnlyList<InvoiceJobItemTransition> history)
    {
        ArgumentNullException.ThrowIfNull(history);
        var state = InvoiceJobItemState.Pending;
        foreach (var step in history)
        {
            if (step.From != state || !IsAllowed(step.From, step.To))
            {
                return false;
            }

            state = step.To;
        }

        return true;
    }
}
