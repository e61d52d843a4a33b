namespace InvoiceOcr.Sdk;

/// <summary>The retry attempts log (the seed's <c>RetryAttempts</c> table).</summary>
public interface IRetryAttemptStore
{
    /// <summary>Appends a record unless one with the same operation id and attempt number exists.</summary>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns><see langword="true"/> when a row was added; <see langword="false"/> for a replay.</returns>
    Task<bool> AppendAsync(RetryAttemptRecord record, CancellationToken cancellationToken);

    /// <summary>Lists an operation's records by attempt number.</summary>
    /// <param name="operationId">The logical call's id.</param>
    /// <param name="cancellationToken">Cancels the operation.</param>
    /// <returns>The records.</returns>
    Task<IReadOnlyList<RetryAttemptRecord>> ListByOperationAsync(string operationId, CancellationToken cancellationToken);
}
