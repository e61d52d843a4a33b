using System.Globalization;
using System.Text;
using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk.Sqlite.Schema;

/// <summary>One numbered migration script embedded in the assembly (<c>Migrations/0001_Initial.sql</c>).</summary>
/// <param name="Version">The version the script brings the schema to.</param>
/// <param name="Name">The script's name, for example <c>0001_Initial</c>.</param>
/// <param name="Sql">The script.</param>
internal sealed record MigrationScript(int Version, string Name, string Sql);

/// <summary>The embedded SQLite migrations, in order.</summary>
internal static class SqliteMigrations
{
    private const string Prefix = "InvoiceOcr.Sdk.Sqlite.Migrations.";

    /// <summary>The schema-version table, created before any migration runs.</summary>
    internal const string CreateVersionTable =
        "CREATE TABLE IF NOT EXISTS SchemaVersion (Version INTEGER NOT NULL PRIMARY KEY, Description TEXT NOT NULL, AppliedAtUtc TEXT NOT NULL);";

    private static readonly Lazy<List<MigrationScript>> Scripts = new(Load);

    /// <summary>Gets every migration, by version.</summary>
    public static IReadOnlyList<MigrationScript> All => Scripts.Value;

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

    private static List<MigrationScript> Load() => 
        RelationalMigrations.Load(typeof(SqliteMigrations).Assembly, Prefix).ConvertAll(static m => new MigrationScript(m.Version, m.Name, m.Sql));
}
