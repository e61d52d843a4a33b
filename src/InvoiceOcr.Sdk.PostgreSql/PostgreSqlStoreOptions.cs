using System.ComponentModel.DataAnnotations;
using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk;

/// <summary>Options of the PostgreSQL store (<c>builder.AddPostgreSqlStore(connectionString)</c>).</summary>
public sealed class PostgreSqlStoreOptions : RelationalStoreOptions
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

    /// <summary>Gets or sets the command timeout.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long start-up waits for another instance's migration lock (a transaction-level advisory lock).</summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan MigrationLockTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <inheritdoc />
    /// <remarks>Per schema under the user's local application data (the temporary folder when there is none): <c>InvoiceOcr/outbox/postgresql-&lt;SchemaName&gt;</c>.</remarks>
    protected override string DefaultOutboxDirectory() => Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create) is { Length: > 0 } local ? local : Path.GetTempPath(),
        "InvoiceOcr",
        "outbox",
        "postgresql-" + SchemaName);
}
