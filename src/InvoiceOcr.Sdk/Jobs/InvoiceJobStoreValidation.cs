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
}
