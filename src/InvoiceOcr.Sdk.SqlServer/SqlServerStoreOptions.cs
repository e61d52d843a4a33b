using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk;

/// <summary>Options of the SQL Server store (<c>builder.AddSqlServerStore(connectionString)</c>).</summary>
public sealed class SqlServerStoreOptions
{
    /// <summary>The pattern a schema name must match: a plain identifier, so it can never inject SQL.</summary>
    public const string SchemaNamePattern = "^[A-Za-z_][A-Za-z0-9_]{0,127}$";

    /// <summary>Gets or sets the connection string. Set by <c>AddSqlServerStore</c>.</summary>
    /// <value>The default value is <see langword="null"/>, which fails validation.</value>
    [Required(ErrorMessage = "SqlServerStoreOptions.ConnectionString is required: pass it to AddSqlServerStore.")]
    public string? ConnectionString { get; set; }

    /// <summary>Gets or sets the database schema that holds the SDK's tables and views.</summary>
    /// <value>The default value is <c>InvoiceOcr</c>.</value>
    [Required]
    [RegularExpression(SchemaNamePattern, ErrorMessage = "SqlServerStoreOptions.SchemaName must be a plain identifier: a letter or '_' followed by up to 127 letters, digits or '_'.")]
    public string SchemaName { get; set; } = "InvoiceOcr";

    /// <summary>Gets or sets a value indicating whether pending schema migrations are applied at start-up.</summary>
    /// <value>The default value is <see langword="true"/>. When <see langword="false"/>, start-up fails if the schema is behind.</value>
    public bool AutoMigrate { get; set; } = true;

    /// <summary>Gets or sets the command timeout.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long start-up waits for another instance's migration lock (<c>sp_getapplock</c>).</summary>
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
        SchemaName);
}
