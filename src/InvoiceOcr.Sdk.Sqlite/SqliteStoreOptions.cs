using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk;

/// <summary>Options of the SQLite store (<c>builder.AddSqliteStore(path)</c>).</summary>
public sealed class SqliteStoreOptions
{
    /// <summary>Gets or sets the database file path. Set by <c>AddSqliteStore</c>.</summary>
    /// <value>The default value is <see langword="null"/>, which fails validation.</value>
    [Required(ErrorMessage = "SqliteStoreOptions.DatabasePath is required: pass the database file path to AddSqliteStore.")]
    public string? DatabasePath { get; set; }

    /// <summary>Gets or sets a value indicating whether pending schema migrations are applied at start-up.</summary>
    /// <value>The default value is <see langword="true"/>. When <see langword="false"/>, start-up fails if the schema is behind.</value>
    public bool AutoMigrate { get; set; } = true;

    /// <summary>Gets or sets how long a statement waits for another writer's lock before failing.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan BusyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets a value indicating whether connections are pooled.</summary>
    /// <value>The default value is <see langword="true"/>.</value>
    public bool Pooling { get; set; } = true;

    /// <summary>Gets or sets the folder of the durable usage outbox used while the database is unreachable.</summary>
    /// <value>The default value is <see langword="null"/>, meaning <c>&lt;DatabasePath&gt;.outbox</c> beside the database.</value>
    public string? OutboxDirectory { get; set; }

    /// <summary>Gets or sets how often the outbox is checked and replayed.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan OutboxReplayInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the most usage records committed in one transaction (group commit).</summary>
    /// <value>The default value is 256.</value>
    [Range(1, 10_000)]
    public int UsageBatchSize { get; set; } = 256;

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

    /// <summary>Gets the master keys that encrypt key secrets at rest.</summary>
    /// <value>The default value is an empty set of keys, which fails validation.</value>
    public SecretProtectionOptions SecretProtection { get; } = new();

    /// <summary>Gets the effective outbox folder.</summary>
    internal string EffectiveOutboxDirectory => OutboxDirectory ?? DatabasePath + ".outbox";
}
