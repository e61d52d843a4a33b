using InvoiceOcr.Sdk.Sqlite.Schema;

namespace InvoiceOcr.Sdk;

/// <summary>The SQLite store's schema, for operators who install it by hand.</summary>
public static class SqliteStoreSchema
{
    /// <summary>Gets the schema version this package needs.</summary>
    public static int CurrentVersion => SqliteMigrations.LatestVersion;

    /// <summary>Returns the full, idempotent install script (every migration and its version row, in one transaction).</summary>
    /// <returns>The script, ready for <c>sqlite3 file.db &lt; script.sql</c>.</returns>
    public static string GetInstallScript() => SqliteMigrations.BuildInstallScript();
}
