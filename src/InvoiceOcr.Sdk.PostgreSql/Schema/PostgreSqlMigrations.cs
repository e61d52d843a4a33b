using System.Buffers.Binary;
using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace InvoiceOcr.Sdk.PostgreSql.Schema;

/// <summary>One numbered migration script embedded in the assembly (<c>Migrations/0001_Initial.sql</c>).</summary>
/// <param name="Version">The version the script brings the schema to.</param>
/// <param name="Name">The script's name, for example <c>0001_Initial</c>.</param>
/// <param name="Sql">The script, with the <c>{schema}</c> token.</param>
internal sealed record PostgreSqlMigrationScript(int Version, string Name, string Sql);

/// <summary>The embedded PostgreSQL migrations and the statements the migration runner issues.</summary>
internal static class PostgreSqlMigrations
{
    /// <summary>The token replaced by the validated schema name.</summary>
    public const string SchemaToken = "{schema}";

    /// <summary>Tries the migration lock (a transaction-level advisory lock, released at commit or rollback); returns whether it was taken.</summary>
    internal const string TryLockSql = "SELECT pg_try_advisory_xact_lock(@lockKey);";

    /// <summary>Creates the schema and the version table when missing.</summary>
    internal const string CreateVersionTableSql =
        "CREATE SCHEMA IF NOT EXISTS \"{schema}\"; " +
        "CREATE TABLE IF NOT EXISTS \"{schema}\".\"SchemaVersion\" (\"Version\" INTEGER NOT NULL CONSTRAINT \"PK_SchemaVersion\" PRIMARY KEY, " +
        "\"Description\" TEXT NOT NULL, \"AppliedAtUtc\" TIMESTAMPTZ NOT NULL);";

    /// <summary>Reads the schema version (0 when nothing was applied).</summary>
    internal const string SelectVersionSql = "SELECT COALESCE(MAX(\"Version\"), 0) FROM \"{schema}\".\"SchemaVersion\";";

    /// <summary>Whether the version table exists (the version is 0 when it does not).</summary>
    internal const string VersionTableExistsSql = "SELECT to_regclass(@versionTable) IS NOT NULL;";

    /// <summary>Records an applied migration.</summary>
    internal const string InsertVersionSql =
        "INSERT INTO \"{schema}\".\"SchemaVersion\" (\"Version\", \"Description\", \"AppliedAtUtc\") VALUES (@version, @name, clock_timestamp());";

    private const string Prefix = "InvoiceOcr.Sdk.PostgreSql.Migrations.";

    private static readonly Lazy<List<PostgreSqlMigrationScript>> Scripts = new(Load);

    /// <summary>Gets every migration, by version.</summary>
    public static IReadOnlyList<PostgreSqlMigrationScript> All => Scripts.Value;

    /// <summary>Gets the version the newest migration brings the schema to.</summary>
    public static int LatestVersion => All[^1].Version;

    /// <summary>Replaces the schema token. The schema name must already be validated.</summary>
    public static string ForSchema(string sql, string schema) => sql.Replace(SchemaToken, schema, StringComparison.Ordinal);

    /// <summary>
    /// The advisory-lock key of a schema's migrations: the first 8 bytes of the SHA-256 of
    /// <c>InvoiceOcr.Sdk:&lt;schema&gt;:migrations</c>, so every instance (and the DBA's script) computes the same key.
    /// </summary>
    public static long LockKey(string schema) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("InvoiceOcr.Sdk:" + schema + ":migrations")));

    /// <summary>The version table's qualified name, for <c>to_regclass</c>.</summary>
    public static string VersionTable(string schema) => "\"" + schema + "\".\"SchemaVersion\"";

    /// <summary>Builds the whole install script for a DBA (psql): one transaction under the same advisory lock the runner takes.</summary>
    public static string BuildInstallScript(string schema)
    {
        var script = new StringBuilder();
        script.AppendLine(CultureInfo.InvariantCulture, $"-- InvoiceOcr.Sdk PostgreSQL schema \"{schema}\", version {LatestVersion}. Idempotent; run with psql -v ON_ERROR_STOP=1 -f <file>.");
        script.AppendLine("BEGIN;");
        script.AppendLine(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({LockKey(schema)});");
        script.AppendLine(ForSchema(CreateVersionTableSql, schema));
        script.AppendLine(CultureInfo.InvariantCulture, $"DO $$ BEGIN IF (SELECT COALESCE(MAX(\"Version\"), 0) FROM \"{schema}\".\"SchemaVersion\") > {LatestVersion} THEN RAISE EXCEPTION 'The database schema is newer than this script (version {LatestVersion}).'; END IF; END $$;");
        foreach (var migration in All)
        {
            script.AppendLine(CultureInfo.InvariantCulture, $"-- {migration.Name}");
            script.AppendLine(ForSchema(migration.Sql, schema).TrimEnd());
            script.AppendLine(CultureInfo.InvariantCulture, $"INSERT INTO \"{schema}\".\"SchemaVersion\" (\"Version\", \"Description\", \"AppliedAtUtc\") VALUES ({migration.Version}, '{migration.Name}', clock_timestamp()) ON CONFLICT (\"Version\") DO NOTHING;");
        }

        script.AppendLine("COMMIT;");
        return script.ToString();
    }

    private static List<PostgreSqlMigrationScript> Load()
    {
        var assembly = typeof(PostgreSqlMigrations).Assembly;
        var scripts = new List<PostgreSqlMigrationScript>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal)))
        {
            var name = resource[Prefix.Length..^".sql".Length];
            var version = int.Parse(name.AsSpan(0, name.IndexOf('_', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
            scripts.Add(new PostgreSqlMigrationScript(version, name, Read(assembly, resource)));
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
