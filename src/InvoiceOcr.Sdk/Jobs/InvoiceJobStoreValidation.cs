using System.Globalization;

namespace InvoiceOcr.Sdk.Storage;

/// <summary>The rules every <see cref="IInvoiceJobStore"/> shares: leasability, the items a job control moves, paging, attempt ids.</summary>
public static class InvoiceJobStoreValidation
{
    /// <summary>The worker id recorded for manual changes made through <see cref="IInvoiceJobs"/>.</summary>
    public const string ApiWorker = "api";

    /// <summary>The reason recorded when a waiting item is leased.</summary>
    public const string LeasedReason = "leased";

    /// <summary>The reason recorded when a lapsed lease is taken over.</summary>
    public const string ReleasedReason = "lease lapsed; taken over";

    /// <summary>Returns why an item can be leased now (the reason to record), or <see langword="null"/> when it cannot.</summary>
    /// <param name="item">The item.</param>
    /// <param name="now">The time.</param>
    /// <returns>The reason, or <see langword="null"/>.</returns>
    public static string? LeaseReason(InvoiceJobItem item, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(item);
        return item.State switch
        {
            InvoiceJobItemState.Pending when item.NotBefore is null || item.NotBefore <= now => LeasedReason,
            InvoiceJobItemState.Retrying when item.NotBefore is null || item.NotBefore <= now => LeasedReason,
            InvoiceJobItemState.Processing when item.LeaseExpiresAt <= now => ReleasedReason,
            _ => null,
        };
    }

    /// <summary>Returns the state a job control moves an item in a given state to, or <see langword="null"/> when the item stays.</summary>
    /// <param name="state">The item's state.</param>
    /// <param name="control">The new control.</param>
    /// <returns>The target state.</returns>
    public static InvoiceJobItemState? ControlTarget(InvoiceJobItemState state, InvoiceJobControl control) => control switch
    {
        InvoiceJobControl.Suspended when state is InvoiceJobItemState.Pending or InvoiceJobItemState.Retrying or InvoiceJobItemState.QuotaExceeded => InvoiceJobItemState.Suspended,
        InvoiceJobControl.Active when state is InvoiceJobItemState.Suspended => InvoiceJobItemState.Pending,
        InvoiceJobControl.Cancelled when state is InvoiceJobItemState.Pending or InvoiceJobItemState.Retrying or InvoiceJobItemState.QuotaExceeded or InvoiceJobItemState.Suspended => InvoiceJobItemState.Cancelled,
        _ => null,
    };

    /// <summary>Throws when a job's control cannot change as asked.</summary>
    /// <param name="job">The job as stored.</param>
    /// <param name="control">The new control.</param>
    /// <param name="expectedVersion">The version the caller read, if any.</param>
    /// <exception cref="InvoiceOcrException"><see cref="InvoiceOcrErrorKind.JobVersionConflict"/> or <see cref="InvoiceOcrErrorKind.JobTransitionRejected"/>.</exception>
    public static void EnsureControl(InvoiceJob job, InvoiceJobControl control, long? expectedVersion)
    {
        ArgumentNullException.ThrowIfNull(job);
        if (expectedVersion is { } expected && expected != job.Version)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.JobVersionConflict,
                string.Create(CultureInfo.InvariantCulture, $"The job {job.JobId} was changed by someone else (version {job.Version}, expected {expected}); read it again."));
        }

        if (job.Control == InvoiceJobControl.Cancelled || job.Control == control)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.JobTransitionRejected,
                $"The job {job.JobId} is {job.Control.ToString().ToLowerInvariant()}; it cannot be made {control.ToString().ToLowerInvariant()}.");
        }
    }

    /// <summary>Checks a page query.</summary>
    /// <param name="query">The query.</param>
    public static void Validate(InvoiceJobItemQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentException.ThrowIfNullOrWhiteSpace(query.JobId);
        ArgumentOutOfRangeException.ThrowIfLessThan(query.PageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.PageSize, 1000);
        ArgumentOutOfRangeException.ThrowIfNegative(query.After);
    }

    /// <summary>Builds a page from up to <paramref name="pageSize"/> + 1 items read in sequence order.</summary>
    /// <param name="read">The items read.</param>
    /// <param name="pageSize">The page size.</param>
    /// <returns>The page.</returns>
    public static InvoiceJobItemPage Page(List<InvoiceJobItem> read, int pageSize)
    {
        ArgumentNullException.ThrowIfNull(read);
        if (read.Count <= pageSize)
        {
            return new InvoiceJobItemPage(read, null);
        }

        read.RemoveAt(read.Count - 1);
        return new InvoiceJobItemPage(read, read[^1].Sequence);
    }

    /// <summary>The id of an item's current processing attempt: <c>{item}-{lease count}</c>.</summary>
    /// <param name="item">The item.</param>
    /// <returns>The attempt id.</returns>
    public static string AttemptId(InvoiceJobItem item)
    {
        ArgumentNullException.ThrowIfNull(item);
        return string.Create(CultureInfo.InvariantCulture, $"{item.ItemId}-{item.LeaseCount}");
    }

    /// <summary>Applies a worker's or caller's change to an item after checking its version and the transition table.</summary>
    /// <param name="item">The item as stored.</param>
    /// <param name="change">The change.</param>
    /// <returns>The item to store.</returns>
    /// <exception cref="InvoiceOcrException"><see cref="InvoiceOcrErrorKind.JobVersionConflict"/> or <see cref="InvoiceOcrErrorKind.JobTransitionRejected"/>.</exception>
    public static InvoiceJobItem Changed(InvoiceJobItem item, InvoiceJobItemChange change)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(change);
        InvoiceJobTransitions.EnsureVersion(item.ItemId, change.ExpectedVersion, item.Version);
        InvoiceJobTransitions.Ensure(item.ItemId, item.State, change.To);
        var processing = change.To == InvoiceJobItemState.Processing;
        var completed = change.To == InvoiceJobItemState.Completed;
        return item with
        {
            State = change.To,
            Version = item.Version + 1,
            LeaseOwner = processing ? item.LeaseOwner : null,
            LeaseExpiresAt = processing ? change.LeaseUntil ?? item.LeaseExpiresAt : null,
            NotBefore = change.NotBefore,
            FailureCount = item.State == InvoiceJobItemState.Failed && change.To == InvoiceJobItemState.Pending ? 0 : item.FailureCount + (change.CountFailure ? 1 : 0),
            ErrorKind = completed ? null : change.ErrorKind ?? item.ErrorKind,
            ErrorMessage = completed ? null : change.ErrorMessage ?? item.ErrorMessage,
            InvoiceJson = change.InvoiceJson ?? (completed ? null : item.InvoiceJson),
            IsPartial = change.InvoiceJson is not null ? change.IsPartial : !completed && item.IsPartial,
            TotalTokens = change.InvoiceJson is not null ? change.TotalTokens : item.TotalTokens,
            KeyId = change.KeyId ?? item.KeyId,
            InteractiveFallback = item.InteractiveFallback || change.FallBackToInteractive,
            UpdatedAt = change.At,
        };
    }

    /// <summary>Leases an item to a worker (the caller checked <see cref="LeaseReason"/>).</summary>
    /// <param name="item">The item as stored.</param>
    /// <param name="request">The lease request.</param>
    /// <returns>The item to store.</returns>
    public static InvoiceJobItem Leased(InvoiceJobItem item, InvoiceJobLeaseRequest request)
    {
        ArgumentNullException.ThrowIfNull(item);
        ArgumentNullException.ThrowIfNull(request);
        return item with
        {
            State = InvoiceJobItemState.Processing,
            Version = item.Version + 1,
            LeaseCount = item.LeaseCount + 1,
            LeaseOwner = request.WorkerId,
            LeaseExpiresAt = request.LeaseUntil,
            NotBefore = null,
            UpdatedAt = request.Now,
        };
    }

    /// <summary>Moves an item by a store-side rule (park, resume, job control, retry) after checking the transition table.</summary>
    /// <param name="item">The item as stored.</param>
    /// <param name="to">The new state.</param>
    /// <param name="notBefore">When it may be taken again.</param>
    /// <param name="now">The time.</param>
    /// <returns>The item to store.</returns>
    public static InvoiceJobItem Moved(InvoiceJobItem item, InvoiceJobItemState to, DateTimeOffset? notBefore, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(item);
        InvoiceJobTransitions.Ensure(item.ItemId, item.State, to);
        return item with
        {
            State = to,
            Version = item.Version + 1,
            NotBefore = notBefore,
            FailureCount = item.State == InvoiceJobItemState.Failed ? 0 : item.FailureCount,
            UpdatedAt = now,
        };
    }

    /// <summary>Checks a batch row before it is stored.</summary>
    /// <param name="batch">The batch.</param>
    public static void Validate(InvoiceJobBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentException.ThrowIfNullOrWhiteSpace(batch.BatchId);
        ArgumentException.ThrowIfNullOrWhiteSpace(batch.JobId);
        ArgumentException.ThrowIfNullOrWhiteSpace(batch.CompanyId);
        ArgumentException.ThrowIfNullOrWhiteSpace(batch.KeyId);
        ArgumentException.ThrowIfNullOrWhiteSpace(batch.Model);
        ArgumentNullException.ThrowIfNull(batch.EntriesJson);
    }

    /// <summary>The transition record of a move.</summary>
    /// <param name="before">The item before.</param>
    /// <param name="after">The item after.</param>
    /// <param name="reason">Why.</param>
    /// <param name="workerId">Who.</param>
    /// <param name="attemptId">The processing attempt, if known; a move out of Processing defaults to the attempt that held it.</param>
    /// <returns>The transition.</returns>
    public static InvoiceJobItemTransition Transition(InvoiceJobItem before, InvoiceJobItem after, string? reason, string? workerId, string? attemptId) => new()
    {
        ItemId = after.ItemId,
        Version = after.Version,
        From = before.State,
        To = after.State,
        Reason = reason,
        At = after.UpdatedAt,
        WorkerId = workerId,
        OperationId = after.OperationId,
        AttemptId = attemptId ?? (after.State == InvoiceJobItemState.Processing ? AttemptId(after) : before.State == InvoiceJobItemState.Processing ? AttemptId(before) : null),
    };
}
