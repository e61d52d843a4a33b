namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// A provider's SQL for <see cref="RelationalInvoiceJobStore"/>. Parameters are named without the dialect's prefix in code.
/// Items are read with the column list of <see cref="SelectItem"/> (24 columns: id, job, company, sequence, file name, hash,
/// source, location, state, version, lease count, failure count, lease owner, lease expiry, not-before, operation, error kind,
/// error message, invoice JSON, partial flag, tokens, key, created, updated); jobs with that of <see cref="SelectJob"/> (10:
/// id, company, key, user, branch, batch flag, control, version, created, updated).
/// </summary>
public sealed class RelationalJobStatements
{
    /// <summary>
    /// Builds the table from a provider's class of SQL constants: each property takes the <c>const string</c> of the same
    /// name (public or not), so the list of statements is written once, here, and a provider writes only its SQL text.
    /// </summary>
    /// <param name="constants">The provider's class of constants, for example <c>typeof(SqlServerQueries)</c>.</param>
    /// <returns>The table.</returns>
    /// <exception cref="InvalidOperationException">A required statement has no constant.</exception>
    public static RelationalJobStatements FromConstants([System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicFields | System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.NonPublicFields)] Type constants) =>
        StatementTable.FromConstants<RelationalJobStatements>(constants);

    /// <summary>Gets the insert of a job (id, company, jobKey, user, branch, batch, control, version, now).</summary>
    public required string InsertJob { get; init; }

    /// <summary>Gets the select of a job by id (id).</summary>
    public required string SelectJob { get; init; }

    /// <summary>Gets the select of a company's job by its key (company, jobKey).</summary>
    public required string SelectJobByKey { get; init; }

    /// <summary>Gets the select of a company's jobs, newest first (company).</summary>
    public required string SelectJobsByCompany { get; init; }

    /// <summary>Gets the select of a job by id that locks its row for the rest of the transaction (id): adds and controls of one job are serialised.</summary>
    public required string LockJob { get; init; }

    /// <summary>Gets the update of a job's control from a version (id, control, version, now).</summary>
    public required string UpdateJobControl { get; init; }

    /// <summary>Gets the highest item sequence of a job (job).</summary>
    public required string SelectMaxSequence { get; init; }

    /// <summary>Gets the count of a job's items with a hash (job, sha).</summary>
    public required string CountItemsWithHash { get; init; }

    /// <summary>Gets the insert of a pending item (id, job, company, sequence, fileName, sha, source, location, content, state, operation, now).</summary>
    public required string InsertItem { get; init; }

    /// <summary>Gets the counts by state of a job's items with the earliest not-before of each (job).</summary>
    public required string CountItemsByState { get; init; }

    /// <summary>Gets a page of a job's items after a sequence (job, after, take).</summary>
    public required string SelectItemsPage { get; init; }

    /// <summary>Gets a page of a job's items in one state after a sequence (job, state, after, take).</summary>
    public required string SelectItemsPageInState { get; init; }

    /// <summary>Gets the select of an item (id).</summary>
    public required string SelectItem { get; init; }

    /// <summary>Gets the select of an item's stored bytes (id).</summary>
    public required string SelectItemContent { get; init; }

    /// <summary>Gets the select of every item of a job (job).</summary>
    public required string SelectItemsOfJob { get; init; }

    /// <summary>Gets the select of a company's waiting items (pending or retrying) in active jobs (company).</summary>
    public required string SelectWaitingItemsOfCompany { get; init; }

    /// <summary>Gets the select of parked items whose resume time has come (now).</summary>
    public required string SelectDueParkedItems { get; init; }

    /// <summary>
    /// Gets the select of leasable items of active jobs, oldest job first, that skips and locks rows other workers hold
    /// (now, take): SQL Server <c>READPAST, UPDLOCK</c>, PostgreSQL <c>FOR UPDATE SKIP LOCKED</c>, SQLite a write transaction.
    /// </summary>
    public required string SelectLeasableItems { get; init; }

    /// <summary>
    /// Gets the update of an item's mutable columns from a version (id, expected, state, version, leaseCount, failureCount,
    /// owner, leaseUntil, notBefore, errorKind, errorMessage, invoiceJson, partial, tokens, keyId, now).
    /// </summary>
    public required string UpdateItem { get; init; }

    /// <summary>Gets the renewal of a lease a worker holds (id, worker, leaseUntil).</summary>
    public required string RenewLease { get; init; }

    /// <summary>Gets the insert of a transition (id, version, from, to, reason, at, worker, operation, attempt).</summary>
    public required string InsertTransition { get; init; }

    /// <summary>Gets the select of an item's transitions, oldest first (id).</summary>
    public required string SelectTransitions { get; init; }

    /// <summary>
    /// Gets the insert of a batch (id, job, company, keyId, model, state, geminiName, detail, itemCount, entries, owner, ownerUntil,
    /// nextPoll, version, created, updated). Batches are read with the column list of <see cref="SelectBatch"/> (16 columns, in that order).
    /// </summary>
    public required string InsertBatch { get; init; }

    /// <summary>Gets the update of a batch from a version (id, expected, state, geminiName, detail, owner, ownerUntil, nextPoll, version, updated).</summary>
    public required string UpdateBatch { get; init; }

    /// <summary>Gets the select of a batch (id).</summary>
    public required string SelectBatch { get; init; }

    /// <summary>Gets the select of the open batches (submitting or submitted), oldest first.</summary>
    public required string SelectOpenBatches { get; init; }

    /// <summary>Gets the select of a job's batches, oldest first (job).</summary>
    public required string SelectBatchesOfJob { get; init; }
}
