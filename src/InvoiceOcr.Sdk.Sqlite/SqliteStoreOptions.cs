using System.ComponentModel.DataAnnotations;
using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk;

/// <summary>Options of the SQLite store (<c>builder.AddSqliteStore(path)</c>).</summary>
public sealed class SqliteStoreOptions : RelationalStoreOptions
{
    /// <summary>Gets or sets the database file path. Set by <c>AddSqliteStore</c>.</summary>
    /// <value>The default value is <see langword="null"/>, which fails validation.</value>
    [Required(ErrorMessage = "SqliteStoreOptions.DatabasePath is required: pass the database file path to AddSqliteStore.")]
    public string? DatabasePath { get; set; }

    /// <summary>Gets or sets how long a statement waits for another writer's lock before failing.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Gets or sets a value indicating whether connections are pooled: the store keeps idle connections open (a few per
    /// durability level) with their statements prepared, so a call does not prepare its statements again.
    /// </summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Pooling { get; set; } = true;

    /// <summary>
    /// Gets or sets what a committed usage (and retry) ledger row survives: <see cref="SqliteLedgerDurability.SurvivesPowerLoss"/>
    /// fsyncs every ledger commit (<c>synchronous = FULL</c>); <see cref="SqliteLedgerDurability.SurvivesProcessCrash"/> does not
    /// (<c>synchronous = NORMAL</c>) and survives the application being killed but not an OS crash or power loss.
    /// </summary>
    /// <remarks>
    /// Quota reservations, settlements and application logs always commit with <c>synchronous = NORMAL</c> (never an
    /// fsync per call); key administration always with <c>FULL</c>. Quotas stay exact across processes either way:
    /// <c>synchronous</c> only decides when a commit reaches the disk, never what other connections see.
    /// </remarks>
    /// <value>The default value is <see cref="SqliteLedgerDurability.SurvivesPowerLoss"/>.</value>
    [EnumDataType(typeof(SqliteLedgerDurability))]
    public SqliteLedgerDurability LedgerDurability { get; set; } = SqliteLedgerDurability.SurvivesPowerLoss;

    /// <inheritdoc />
    /// <remarks>Beside the database file: <c>&lt;DatabasePath&gt;.outbox</c>.</remarks>
    protected override string DefaultOutboxDirectory() => DatabasePath + ".outbox";
}
