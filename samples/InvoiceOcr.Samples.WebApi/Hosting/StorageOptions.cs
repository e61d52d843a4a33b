using System.ComponentModel.DataAnnotations;
using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.WebApi.Hosting;

/// <summary>Which store holds keys, quotas and usage.</summary>
public enum StorageProvider
{
    /// <summary>One SQLite file next to the app: the default, no setup.</summary>
    Sqlite,

    /// <summary>A SQL Server database shared by every instance of the app.</summary>
    SqlServer,

    /// <summary>The SDK's in-memory store: lost on restart, for demos and tests only.</summary>
    InMemory,
}

/// <summary>The sample's storage settings, bound from the <c>Storage</c> section.</summary>
public sealed class StorageOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "Storage";

    /// <summary>Gets or sets the store.</summary>
    /// <value>The default value is <see cref="StorageProvider.Sqlite"/>.</value>
    public StorageProvider Provider { get; set; } = StorageProvider.Sqlite;

    /// <summary>Gets or sets the SQLite database file; relative paths are resolved against the content root.</summary>
    /// <value>The default value is <c>data/invoiceocr.db</c>.</value>
    public string SqlitePath { get; set; } = "data/invoiceocr.db";

    /// <summary>Gets or sets the SQL Server connection string (required when <see cref="Provider"/> is <see cref="StorageProvider.SqlServer"/>).</summary>
    /// <value>The default value is <see langword="null"/>.</value>
    public string? SqlServerConnectionString { get; set; }

    /// <summary>Gets or sets the SQL Server schema that holds the tables.</summary>
    /// <value>The default value is <c>InvoiceOcr</c>.</value>
    [RegularExpression("^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    public string SqlServerSchema { get; set; } = "InvoiceOcr";

    /// <summary>Gets or sets the id of the master key that seals new API key secrets at rest.</summary>
    /// <value>The default value is <see langword="null"/> (required by the SQL stores).</value>
    public string? CurrentMasterKeyId { get; set; }

    /// <summary>Gets the master keys by id (base64 of 32 random bytes each). Keep them in a secret store, never in appsettings.json.</summary>
    public IDictionary<string, string> MasterKeys { get; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Copies the master keys into a store's secret protection options.</summary>
    /// <param name="target">The store's options.</param>
    internal void ApplyTo(SecretProtectionOptions target)
    {
        target.CurrentKeyId = CurrentMasterKeyId;
        foreach (var (id, key) in MasterKeys)
        {
            target.MasterKeys[id] = key;
        }
    }
}
