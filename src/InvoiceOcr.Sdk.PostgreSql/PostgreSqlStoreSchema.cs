using InvoiceOcr.Sdk.Relational;
using InvoiceOcr.Sdk.PostgreSql.Schema;

namespace InvoiceOcr.Sdk;

/// <summary>The PostgreSQL store's schema, for DBAs who install or review it by hand.</summary>
public static class PostgreSqlStoreSchema
{
    /// <summary>Gets the schema version this package needs.</summary>
    public static int CurrentVersion => PostgreSqlMigrations.LatestVersion;

    /// <summary>
    /// Returns the full, idempotent install script for a schema, for <c>psql -v ON_ERROR_STOP=1 -f</c>: one transaction
    /// under the same advisory lock the start-up migration takes, every migration, and its <c>SchemaVersion</c> row.
    /// </summary>
    /// <param name="schemaName">The schema name; a plain identifier of at most 63 characters (a letter or <c>_</c>, then letters, digits or <c>_</c>).</param>
    /// <returns>The script.</returns>
    /// <exception cref="ArgumentException">The schema name is not a plain identifier.</exception>
    public static string GetInstallScript(string schemaName = "InvoiceOcr") =>
        PostgreSqlMigrations.BuildInstallScript(RelationalServerStoreOptions.ThrowIfNotPlainIdentifier(schemaName, PostgreSqlStoreOptions.MaxSchemaNameLength));
}
