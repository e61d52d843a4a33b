namespace InvoiceOcr.Sdk;

/// <summary>Selects usage ledger rows of one company; every filter is optional and they combine with AND.</summary>
public sealed record UsageQuery
{
    /// <summary>Creates a query for a company.</summary>
    /// <param name="companyId">The company.</param>
    public UsageQuery(string companyId)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(companyId);
        CompanyId = companyId;
    }

    /// <summary>Gets the company.</summary>
    public string CompanyId { get; }

    /// <summary>Gets the branch to select, if any.</summary>
    public string? Branch { get; init; }

    /// <summary>Gets the user to select, if any.</summary>
    public string? UserId { get; init; }

    /// <summary>Gets the first UTC day (by <see cref="UsageRecord.CompletedAt"/>) to include.</summary>
    public DateOnly? FromDay { get; init; }

    /// <summary>Gets the last UTC day (inclusive) to include.</summary>
    public DateOnly? ToDay { get; init; }

    /// <summary>Returns whether a record matches.</summary>
    /// <param name="record">The record.</param>
    /// <returns><see langword="true"/> when every filter matches.</returns>
    public bool Matches(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (!string.Equals(record.CompanyId, CompanyId, StringComparison.Ordinal) ||
            (Branch is not null && !string.Equals(record.Branch, Branch, StringComparison.Ordinal)) ||
            (UserId is not null && !string.Equals(record.UserId, UserId, StringComparison.Ordinal)))
        {
            return false;
        }

        var day = UsageSummary.DayOf(record.CompletedAt);
        return (FromDay is null || day >= FromDay) && (ToDay is null || day <= ToDay);
    }
}

/// <summary>How usage summaries are grouped, beyond the company.</summary>
[Flags]
public enum UsageGrouping
{
    /// <summary>One row for the company.</summary>
    None = 0,

    /// <summary>By branch.</summary>
    Branch = 1,

    /// <summary>By user.</summary>
    User = 2,

    /// <summary>By UTC day.</summary>
    Day = 4,
}

/// <summary>Totals of usage ledger rows; each is the exact sum of the rows it groups.</summary>
public sealed record UsageSummary
{
    /// <summary>Gets the company.</summary>
    public required string CompanyId { get; init; }

    /// <summary>Gets the branch when grouped by branch.</summary>
    public string? Branch { get; init; }

    /// <summary>Gets the user when grouped by user.</summary>
    public string? UserId { get; init; }

    /// <summary>Gets the UTC day when grouped by day.</summary>
    public DateOnly? Day { get; init; }

    /// <summary>Gets the summed request count.</summary>
    public long RequestCount { get; init; }

    /// <summary>Gets the number of billed failures.</summary>
    public long FailedRequests { get; init; }

    /// <summary>Gets the summed input tokens.</summary>
    public long InputTokens { get; init; }

    /// <summary>Gets the summed output tokens.</summary>
    public long OutputTokens { get; init; }

    /// <summary>Gets the summed cached tokens.</summary>
    public long CachedTokens { get; init; }

    /// <summary>Gets the summed thinking tokens.</summary>
    public long ThoughtsTokens { get; init; }

    /// <summary>Gets the summed total tokens.</summary>
    public long TotalTokens { get; init; }

    /// <summary>Gets the summed cost of the rows that have one (<see cref="UsageRecord.Cost"/>), exact to 10⁻⁹.</summary>
    public decimal Cost { get; init; }

    /// <summary>Gets the currency of <see cref="Cost"/>, or <see langword="null"/> when no row has a cost.</summary>
    public string? Currency { get; init; }

    /// <summary>Returns the ledger day of an instant: its UTC date.</summary>
    /// <param name="instant">The instant.</param>
    /// <returns>The UTC date.</returns>
    public static DateOnly DayOf(DateTimeOffset instant) => DateOnly.FromDateTime(instant.UtcDateTime);
}
