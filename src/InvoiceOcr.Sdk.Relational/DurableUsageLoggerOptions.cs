using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>Options of <see cref="DurableUsageLogger"/>.</summary>
public sealed class DurableUsageLoggerOptions
{
    /// <summary>Gets or sets the folder of the local outbox used while the database is unreachable.</summary>
    /// <value>The default value is <see langword="null"/>, which fails validation; storage packages set it.</value>
    [Required]
    public string? OutboxDirectory { get; set; }

    /// <summary>Gets or sets how often the outbox is checked and replayed.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan ReplayInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the most records committed in one transaction.</summary>
    /// <value>The default value is 256.</value>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 256;
}
