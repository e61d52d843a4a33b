using System.Globalization;
using System.Reflection;
using System.Text;

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

    private static List<MigrationScript> Load()
    {
        var assembly = typeof(SqliteMigrations).Assembly;
        var scripts = new List<MigrationScript>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(static n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal)))
        {
            var name = resource[Prefix.Length..^".sql".Length];
            var version = int.Parse(name.AsSpan(0, name.IndexOf('_', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
            scripts.Add(new MigrationScript(version, name, Read(assembly, resource)));
        }

        scripts.Sort(static (a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < scripts.Count; i++)
        {
            if (scripts[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Embedded migrations must be numbered 1..N without gaps; found {scripts[i].Name} at position {i + 1}.");
            }
        }

        return scripts;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
