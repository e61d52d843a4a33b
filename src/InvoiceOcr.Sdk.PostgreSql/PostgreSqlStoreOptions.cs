using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk;

/// <summary>Options of the PostgreSQL store (<c>builder.AddPostgreSqlStore(connectionString)</c>).</summary>
public sealed class PostgreSqlStoreOptions
{
    /// <summary>The pattern a schema name must match: a plain identifier of at most 63 characters (PostgreSQL's limit), so it can never inject SQL.</summary>
    public const string SchemaNamePattern = "^[A-Za-z_][A-Za-z0-9_]{0,62}$";

    /// <summary>Gets or sets the Npgsql connection string, for example <c>Host=db;Database=invoiceocr;Username=app;Password=…</c>. Set by <c>AddPostgreSqlStore</c>.</summary>
    /// <value>The default value is <see langword="null"/>, which fails validation.</value>
    [Required(ErrorMessage = "PostgreSqlStoreOptions.ConnectionString is required: pass it to AddPostgreSqlStore.")]
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the database schema that holds the SDK's tables and views (created when missing; the name is quoted, so its case is kept).</summary>
    /// <value>The default value is <c>InvoiceOcr</c>.</value>
    [Required]
    [RegularExpression(SchemaNamePattern, ErrorMessage = "PostgreSqlStoreOptions.SchemaName must be a plain identifier: a letter or '_' followed by up to 62 letters, digits or '_'.")]
    public string SchemaName { get; set; } = "InvoiceOcr";

    /// <summary>Gets or sets a value indicating whether pending schema migrations are applied at start-up.</summary>
    /// <value>The default value is <see langword="true"/>. When <see langword="false"/>, start-up fails if the schema is behind.</value>
    public bool AutoMigrate { get; set; } = true;

    /// <summary>Gets or sets the command timeout.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long start-up waits for another instance's migration lock (a transaction-level advisory lock).</summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan MigrationLockTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets or sets the folder of the durable usage outbox used while the database is unreachable.</summary>
    /// <value>The default value is <see langword="null"/>, meaning <c>InvoiceOcr/outbox/&lt;SchemaName&gt;</c> under the local application data folder.</value>
    public string? OutboxDirectory { get; set; }

    /// <summary>Gets or sets how often the outbox is checked and replayed.</summary>
    /// <value>The default value is 5 seconds.</value>
    public TimeSpan OutboxReplayInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Gets or sets the most usage records committed in one transaction (group commit).</summary>
    /// <value>The default value is 256.</value>
    [Range(1, 10_000)]
    public int UsageBatchSize { get; set; } = 256;

    /// <summary>Gets the master keys that encrypt key secrets at rest.</summary>
    /// <value>The default value is an empty set of keys, which fails validation.</value>
    public SecretProtectionOptions SecretProtection { get; } = new();

    /// <summary>Gets the effective outbox folder.</summary>
    internal string EffectiveOutboxDirectory => OutboxDirectory ?? Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create) is { Length: > 0 } local ? local : Path.GetTempPath(),
        "InvoiceOcr",
        "outbox",
        "postgresql-" + SchemaName);
}
