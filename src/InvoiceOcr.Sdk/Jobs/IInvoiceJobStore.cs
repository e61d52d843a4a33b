namespace InvoiceOcr.Sdk;

/// <summary>
/// Where batch jobs, their items and the items' audit trail live (in-memory, or a relational store shared by every worker).
/// Every method is one atomic operation (one transaction in a SQL store); each change of an item's state checks the table
/// <see cref="InvoiceJobTransitions"/> and the item's version, and records the move. Times are passed in by the caller, whose
/// <see cref="TimeProvider"/> is the clock.
/// </summary>
public interface IInvoiceJobStore
{
    /// <summary>Creates a job, or returns the company's job with the same <see cref="InvoiceJob.JobKey"/>.</summary>
    /// <param name="job">The job (id, company, key, user, branch, batch mode, creation time).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The stored job: the new one, or the existing one with that key.</returns>
    Task<InvoiceJob> CreateJobAsync(InvoiceJob job, CancellationToken cancellationToken);

    /// <summary>Gets a job.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job, or <see langword="null"/>.</returns>
    Task<InvoiceJob?> GetJobAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>Lists a company's jobs, newest first.</summary>
    /// <param name="companyId">The company.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The jobs.</returns>
    Task<IReadOnlyList<InvoiceJob>> ListJobsAsync(string companyId, CancellationToken cancellationToken);

    /// <summary>Adds items in <see cref="InvoiceJobItemState.Pending"/>, skipping documents (by hash) the job already holds.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="items">The items.</param>
    /// <param name="now">The time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many were added.</returns>
    Task<int> AddItemsAsync(string jobId, IReadOnlyList<NewInvoiceJobItem> items, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Counts a job's items by state.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The progress.</returns>
    Task<InvoiceJobProgress> GetProgressAsync(string jobId, CancellationToken cancellationToken);

    /// <summary>Pages through a job's items in sequence order.</summary>
    /// <param name="query">The job, state filter and page.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The page.</returns>
    Task<InvoiceJobItemPage> ListItemsAsync(InvoiceJobItemQuery query, CancellationToken cancellationToken);

    /// <summary>Gets an item.</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The item, or <see langword="null"/>.</returns>
    Task<InvoiceJobItem?> GetItemAsync(string itemId, CancellationToken cancellationToken);

    /// <summary>Reads a stored item's bytes.</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The bytes, or <see langword="null"/> when the item stores none.</returns>
    Task<byte[]?> GetItemContentAsync(string itemId, CancellationToken cancellationToken);

    /// <summary>Lists an item's recorded transitions, oldest first.</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The transitions.</returns>
    Task<IReadOnlyList<InvoiceJobItemTransition>> ListTransitionsAsync(string itemId, CancellationToken cancellationToken);

    /// <summary>Moves one item to another state.</summary>
    /// <param name="change">The change, with the version the caller read.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The item as stored after the change.</returns>
    /// <exception cref="InvoiceOcrException">
    /// <see cref="InvoiceOcrErrorKind.JobVersionConflict"/> when the item changed since it was read (or does not exist);
    /// <see cref="InvoiceOcrErrorKind.JobTransitionRejected"/> when the table does not allow the move.
    /// </exception>
    Task<InvoiceJobItem> TransitionItemAsync(InvoiceJobItemChange change, CancellationToken cancellationToken);

    /// <summary>
    /// Leases up to <see cref="InvoiceJobLeaseRequest.MaxItems"/> items of active jobs, oldest job first: waiting items
    /// (<see cref="InvoiceJobItemState.Pending"/>, or <see cref="InvoiceJobItemState.Retrying"/> whose time has come) and items
    /// whose lease lapsed (their worker died). Concurrent workers never lease the same item.
    /// </summary>
    /// <param name="request">The worker, the count, the time and the lease's end.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The leased items, now <see cref="InvoiceJobItemState.Processing"/>.</returns>
    Task<IReadOnlyList<InvoiceJobItem>> LeaseItemsAsync(InvoiceJobLeaseRequest request, CancellationToken cancellationToken);

    /// <summary>Extends the leases a worker still holds (its heartbeat).</summary>
    /// <param name="workerId">The worker.</param>
    /// <param name="itemIds">The items.</param>
    /// <param name="leaseUntil">The new end of the leases.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many leases the worker still held and extended.</returns>
    Task<int> RenewLeasesAsync(string workerId, IReadOnlyCollection<string> itemIds, DateTimeOffset leaseUntil, CancellationToken cancellationToken);

    /// <summary>Parks every waiting item (pending or retrying) of a company's active jobs as <see cref="InvoiceJobItemState.QuotaExceeded"/> until <paramref name="resumeAt"/>.</summary>
    /// <param name="companyId">The company.</param>
    /// <param name="resumeAt">When its quota resets.</param>
    /// <param name="reason">Why (recorded).</param>
    /// <param name="workerId">Who.</param>
    /// <param name="now">The time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many items were parked.</returns>
    Task<int> ParkCompanyAsync(string companyId, DateTimeOffset resumeAt, string reason, string? workerId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Moves parked items whose resume time has come back to <see cref="InvoiceJobItemState.Pending"/>.</summary>
    /// <param name="now">The time.</param>
    /// <param name="workerId">Who.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many items resumed.</returns>
    Task<int> ResumeDueAsync(DateTimeOffset now, string? workerId, CancellationToken cancellationToken);

    /// <summary>
    /// Changes a job's control and moves its items with it, in one transaction: suspend (waiting and parked items →
    /// Suspended), resume (Suspended → Pending), cancel (every item not processing nor ended → Cancelled).
    /// </summary>
    /// <param name="jobId">The job.</param>
    /// <param name="control">The new control.</param>
    /// <param name="expectedVersion">The job version the caller read, or <see langword="null"/> to apply to the current one.</param>
    /// <param name="now">The time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job after the change.</returns>
    /// <exception cref="InvoiceOcrException">
    /// <see cref="InvoiceOcrErrorKind.JobVersionConflict"/> for a stale version; <see cref="InvoiceOcrErrorKind.JobTransitionRejected"/>
    /// for a cancelled job, which cannot be suspended or resumed.
    /// </exception>
    Task<InvoiceJob> SetJobControlAsync(string jobId, InvoiceJobControl control, long? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>Moves a job's failed items back to <see cref="InvoiceJobItemState.Pending"/> with their failure count reset.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="now">The time.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many items will be retried.</returns>
    Task<int> RetryFailedAsync(string jobId, DateTimeOffset now, CancellationToken cancellationToken);

    /// <summary>
    /// Records a new batch (<see cref="InvoiceJobBatchState.Submitting"/>) and applies its items' changes (each one's move to the
    /// batch, with the lease extended to the batch's deadline) in one transaction, before the batch is submitted.
    /// </summary>
    /// <param name="batch">The batch, version 1.</param>
    /// <param name="changes">The items' changes (Processing → Processing, recorded in their audit trail).</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The items after the change.</returns>
    /// <exception cref="InvoiceOcrException"><see cref="InvoiceOcrErrorKind.JobVersionConflict"/> when an item changed meanwhile; nothing is stored then.</exception>
    Task<IReadOnlyList<InvoiceJobItem>> CreateBatchAsync(InvoiceJobBatch batch, IReadOnlyList<InvoiceJobItemChange> changes, CancellationToken cancellationToken);

    /// <summary>Replaces a batch's row when its stored version is <paramref name="expectedVersion"/>; the stored version becomes one more.</summary>
    /// <param name="batch">The batch's new row.</param>
    /// <param name="expectedVersion">The version the caller read.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The stored row, or <see langword="null"/> when the version did not match (another worker changed it).</returns>
    Task<InvoiceJobBatch?> UpdateBatchAsync(InvoiceJobBatch batch, long expectedVersion, CancellationToken cancellationToken);

    /// <summary>Gets a batch.</summary>
    /// <param name="batchId">The batch.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The batch, or <see langword="null"/>.</returns>
    Task<InvoiceJobBatch?> GetBatchAsync(string batchId, CancellationToken cancellationToken);

    /// <summary>Lists batches: the open ones (submitting or submitted) oldest first, or a job's, oldest first.</summary>
    /// <param name="jobId">A job's batches (every state); <see langword="null"/> for the open batches of every job.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The batches.</returns>
    Task<IReadOnlyList<InvoiceJobBatch>> ListBatchesAsync(string? jobId, CancellationToken cancellationToken);
}
