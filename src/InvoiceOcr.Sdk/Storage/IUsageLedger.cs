namespace InvoiceOcr.Sdk;

/// <summary>The usage ledger: one row per billed model call, keyed by an SDK-generated id.</summary>
public interface IUsageLedger
{
    /// <summary>Appends a record unless a record with its id exists (then nothing changes).</summary>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when a row was added; <see langword="false"/> for a replay.</returns>
    Task<bool> AppendAsync(UsageRecord record, CancellationToken cancellationToken);

    /// <summary>Gets a record by id.</summary>
    /// <param name="id">The id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The record, or <see langword="null"/>.</returns>
    Task<UsageRecord?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Lists the records a query selects, ordered by completion time then id.</summary>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The records.</returns>
    Task<IReadOnlyList<UsageRecord>> ListAsync(UsageQuery query, CancellationToken cancellationToken);

    /// <summary>Sums the records a query selects, grouped by company and the given dimensions, ordered by the group's keys.</summary>
    /// <param name="query">The query.</param>
    /// <param name="grouping">The dimensions to group by.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>One summary per group that has records.</returns>
    Task<IReadOnlyList<UsageSummary>> SummarizeAsync(UsageQuery query, UsageGrouping grouping, CancellationToken cancellationToken);
}
