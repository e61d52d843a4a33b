using System.Globalization;
using System.Text;
using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk.Sqlite.Schema;

/// <summary>The embedded SQLite migrations, in order.</summary>
internal static class SqliteMigrations
{
    private const string Prefix = "InvoiceOcr.Sdk.Sqlite.Migrations.";

    /// <summary>The schema-version table, created before any migration runs.</summary>
    internal const string CreateVersionTable =
        "CREATE TABLE IF NOT EXISTS SchemaVersion (Version INTEGER NOT NULL PRIMARY KEY, Description TEXT NOT NULL, AppliedAtUtc TEXT NOT NULL);";

    /// <summary>Whether the version table exists (the version is 0 when it does not).</summary>
    internal const string VersionTableExists = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'SchemaVersion';";

    /// <summary>Reads the schema version (0 when nothing was applied).</summary>
    internal const string SelectVersion = "SELECT COALESCE(MAX(Version), 0) FROM SchemaVersion;";

    /// <summary>Records an applied migration, at SQLite's clock in the install script's format.</summary>
    internal const string InsertVersion =
        "INSERT INTO SchemaVersion (Version, Description, AppliedAtUtc) VALUES ($version, $name, strftime('%Y-%m-%d %H:%M:%f', 'now'));";

    /// <summary>The version-table statements, as the shared migrator takes them.</summary>
    public static readonly RelationalMigrationStatements Statements = RelationalMigrationStatements.FromConstants(typeof(SqliteMigrations));

    /// <summary>Gets every migration, by version.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> All => RelationalMigrations.Load(typeof(SqliteMigrations).Assembly, Prefix);

    /// <summary>Gets the version the newest migration brings the schema to.</summary>
    public static int LatestVersion => All[^1].Version;

    /// <summary>Returns the whole install script: the version table, every migration and its version row, in one transaction.</summary>
    /// <returns>The script.</returns>
    public static string BuildInstallScript()
    {
        var script = new StringBuilder();
        script.AppendLine("-- InvoiceOcr.Sdk SQLite schema: run with sqlite3 against the database file. Idempotent.");
        script.AppendLine("PRAGMA journal_mode = WAL;");
        script.AppendLine("BEGIN IMMEDIATE;");
        script.AppendLine(CreateVersionTable);
        foreach (var migration in All)
        {
            script.AppendLine(CultureInfo.InvariantCulture, $"-- {migration.Name}");
            script.AppendLine(migration.Sql.TrimEnd());
            script.AppendLine(CultureInfo.InvariantCulture, $"INSERT OR IGNORE INTO SchemaVersion (Version, Description, AppliedAtUtc) VALUES ({migration.Version}, '{migration.Name}', strftime('%Y-%m-%d %H:%M:%f', 'now'));");
        }

        script.AppendLine("COMMIT;");
        return script.ToString();
    }
}
