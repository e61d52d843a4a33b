namespace InvoiceOcr.Sdk;

/// <summary>
/// One failed attempt that the retry policy answered with a retry or a failover (the seed's <c>RetryAttempts</c> row).
/// (<see cref="OperationId"/>, <see cref="AttemptNumber"/>) is unique: appending it again is a no-op.
/// </summary>
public sealed record RetryAttemptRecord
{
    /// <summary>Gets the logical call's id.</summary>
    public required string OperationId { get; init; }

    /// <summary>Gets the number of the failed attempt (1 for the first).</summary>
    public required int AttemptNumber { get; init; }

    /// <summary>Gets the company.</summary>
    public required string CompanyId { get; init; }

    /// <summary>Gets the id (never the secret) of the key the failed attempt used, if it got one.</summary>
    public string? KeyId { get; init; }

    /// <summary>Gets the error kind.</summary>
    public InvoiceOcrErrorKind ErrorKind { get; init; }

    /// <summary>Gets the HTTP status of the failed attempt, if the service answered.</summary>
    public int? HttpStatus { get; init; }

    /// <summary>Gets the delay before the next attempt.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Gets a value indicating whether the next attempt fails over to another key.</summary>
    public bool IsFailover { get; init; }

    /// <summary>Gets when the retry was decided.</summary>
    public DateTimeOffset Timestamp { get; init; }

    /// <summary>Throws when the record cannot be stored.</summary>
    internal void Validate()
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(OperationId, nameof(OperationId));
        ArgumentException.ThrowIfNullOrWhiteSpace(CompanyId, nameof(CompanyId));
        ArgumentOutOfRangeException.ThrowIfLessThan(AttemptNumber, 1, nameof(AttemptNumber));
        ArgumentOutOfRangeException.ThrowIfLessThan(Delay, TimeSpan.Zero, nameof(Delay));
    }
}
