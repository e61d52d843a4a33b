using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.SqlServer.Schema;

namespace InvoiceOcr.Sdk;

/// <summary>The SQL Server store's schema, for DBAs who install or review it by hand.</summary>
public static class SqlServerStoreSchema
{
    /// <summary>Gets the schema version this package needs.</summary>
    public static int CurrentVersion => SqlServerMigrations.LatestVersion;

    /// <summary>
    /// Returns the full, idempotent install script for a schema: one transaction under the same <c>sp_getapplock</c>
    /// the start-up migration takes, every migration, and its <c>SchemaVersion</c> row. Batches are separated by <c>GO</c>.
    /// </summary>
    /// <param name="schemaName">The schema name; a plain identifier of at most 128 characters (a letter or <c>_</c>, then letters, digits or <c>_</c>).</param>
    /// <returns>The script.</returns>
    /// <exception cref="ArgumentException">The schema name is not a plain identifier.</exception>
    public static string GetInstallScript(string schemaName = "InvoiceOcr") =>
        SqlServerMigrations.BuildInstallScript(RelationalServerStoreOptions.ThrowIfNotPlainIdentifier(schemaName, SqlServerStoreOptions.MaxSchemaNameLength));
}
