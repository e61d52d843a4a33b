using System.ComponentModel.DataAnnotations;
using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk;

/// <summary>Options of the SQL Server store (<c>builder.AddSqlServerStore(connectionString)</c>).</summary>
public sealed class SqlServerStoreOptions : RelationalStoreOptions
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

    /// <summary>Gets or sets the command timeout.</summary>
    /// <value>The default value is 30 seconds.</value>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Gets or sets how long start-up waits for another instance's migration lock (<c>sp_getapplock</c>).</summary>
    /// <value>The default value is 60 seconds.</value>
    public TimeSpan MigrationLockTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <inheritdoc />
    /// <remarks>Per schema under the user's local application data (the temporary folder when there is none): <c>InvoiceOcr/outbox/&lt;SchemaName&gt;</c>.</remarks>
    protected override string DefaultOutboxDirectory() => Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create) is { Length: > 0 } local ? local : Path.GetTempPath(),
        "InvoiceOcr",
        "outbox",
        SchemaName);
}
