namespace InvoiceOcr.Sdk;

/// <summary>
/// Batch extraction as durable jobs: submit a company's documents, watch progress, page through results, suspend, resume,
/// cancel and retry. Workers (<c>AddInvoiceOcr(...).AddJobs()</c>, any number of application instances on one store) process
/// the items under the company's quotas: a full per-minute window slows them, a used-up day parks the items until Pacific
/// midnight and they resume by themselves. Each item's model call is one durable operation, so it is never billed twice.
/// Resolve it from DI; it is thread-safe.
/// </summary>
public interface IInvoiceJobs
{
    /// <summary>Creates a job, or returns the company's job with the same <see cref="InvoiceJobRequest.JobKey"/>.</summary>
    /// <param name="request">The company, job key, user, branch and route.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job.</returns>
    Task<InvoiceJob> CreateJobAsync(InvoiceJobRequest request, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds documents to a job. Each is hashed (a stream is copied into the store or the blob folder first); a document the job
    /// already holds is skipped, so submitting a folder twice adds nothing twice.
    /// </summary>
    /// <param name="jobId">The job.</param>
    /// <param name="documents">The documents.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many were added and skipped.</returns>
    /// <exception cref="InvoiceOcrException"><see cref="InvoiceOcrErrorKind.JobTransitionRejected"/> for a cancelled job.</exception>
    Task<InvoiceJobAddResult> AddDocumentsAsync(string jobId, IEnumerable<InvoiceJobDocument> documents, CancellationToken cancellationToken = default);

    /// <summary>Gets a job with its progress and state.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The status, or <see langword="null"/> when there is no such job.</returns>
    Task<InvoiceJobStatus?> GetStatusAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Lists a company's jobs with their progress, newest first.</summary>
    /// <param name="companyId">The company.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The jobs.</returns>
    Task<IReadOnlyList<InvoiceJobStatus>> ListJobsAsync(string companyId, CancellationToken cancellationToken = default);

    /// <summary>Pages through a job's items (results, failures with their partial invoices, or one state).</summary>
    /// <param name="query">The job, state and page.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The page.</returns>
    Task<InvoiceJobItemPage> ListItemsAsync(InvoiceJobItemQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gets one item with everything known about it: its state, its result (the invoice JSON) or its error with any partial
    /// invoice, and its transitions (the audit trail), oldest first.
    /// </summary>
    /// <param name="itemId">The item.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The item and its transitions, or <see langword="null"/> when there is no such item.</returns>
    Task<InvoiceJobItemDetails?> GetItemAsync(string itemId, CancellationToken cancellationToken = default);

    /// <summary>Lists an item's transitions (its audit trail), oldest first.</summary>
    /// <param name="itemId">The item.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The transitions.</returns>
    Task<IReadOnlyList<InvoiceJobItemTransition>> ListTransitionsAsync(string itemId, CancellationToken cancellationToken = default);

    /// <summary>Suspends a job: no item is taken until it is resumed; items being processed finish.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job's status.</returns>
    Task<InvoiceJobStatus> SuspendAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Resumes a suspended job.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job's status.</returns>
    Task<InvoiceJobStatus> ResumeAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Cancels a job: items not yet processed are cancelled; items being processed finish.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The job's status.</returns>
    Task<InvoiceJobStatus> CancelAsync(string jobId, CancellationToken cancellationToken = default);

    /// <summary>Retries a job's failed items (back to Pending, failure counts reset). A retried item reuses its operation, so what was billed stays billed once.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>How many items will be retried.</returns>
    Task<int> RetryFailedAsync(string jobId, CancellationToken cancellationToken = default);
}
