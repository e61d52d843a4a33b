using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk.PostgreSql.Schema;

/// <summary>The embedded PostgreSQL migrations and the statements the migration runner issues.</summary>
internal static class PostgreSqlMigrations
{
    /// <summary>Tries the migration lock (a transaction-level advisory lock, released at commit or rollback); returns whether it was taken.</summary>
    internal const string TryLockSql = "SELECT pg_try_advisory_xact_lock(@lockKey);";

    /// <summary>Creates the schema and the version table when missing.</summary>
    internal const string CreateVersionTable =
        "CREATE SCHEMA IF NOT EXISTS \"{schema}\"; " +
        "CREATE TABLE IF NOT EXISTS \"{schema}\".\"SchemaVersion\" (\"Version\" INTEGER NOT NULL CONSTRAINT \"PK_SchemaVersion\" PRIMARY KEY, " +
        "\"Description\" TEXT NOT NULL, \"AppliedAtUtc\" TIMESTAMPTZ NOT NULL);";

    /// <summary>Reads the schema version (0 when nothing was applied).</summary>
    internal const string SelectVersion = "SELECT COALESCE(MAX(\"Version\"), 0) FROM \"{schema}\".\"SchemaVersion\";";

    /// <summary>Whether the version table exists (the version is 0 when it does not); the schema name is a validated identifier.</summary>
    internal const string VersionTableExists = "SELECT to_regclass('\"{schema}\".\"SchemaVersion\"') IS NOT NULL;";

    /// <summary>Records an applied migration.</summary>
    internal const string InsertVersion =
        "INSERT INTO \"{schema}\".\"SchemaVersion\" (\"Version\", \"Description\", \"AppliedAtUtc\") VALUES (@version, @name, clock_timestamp());";

    private const string Prefix = "InvoiceOcr.Sdk.PostgreSql.Migrations.";

    /// <summary>The version-table statements, as the shared migrator takes them.</summary>
    public static readonly RelationalMigrationStatements Statements = RelationalMigrationStatements.FromConstants(typeof(PostgreSqlMigrations));

    /// <summary>Gets every migration, by version.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> All => RelationalMigrations.Load(typeof(PostgreSqlMigrations).Assembly, Prefix);

    /// <summary>Gets the version the newest migration brings the schema to.</summary>
    public static int LatestVersion => All[^1].Version;

    /// <summary>
    /// The advisory-lock key of a schema's migrations: the first 8 bytes of the SHA-256 of
    /// <c>InvoiceOcr.Sdk:&lt;schema&gt;:migrations</c>, so every instance (and the DBA's script) computes the same key.
    /// </summary>
    public static long LockKey(string schema) =>
        BinaryPrimitives.ReadInt64BigEndian(SHA256.HashData(Encoding.UTF8.GetBytes("InvoiceOcr.Sdk:" + schema + ":migrations")));

    /// <summary>Builds the whole install script for a DBA (psql): one transaction under the same advisory lock the runner takes.</summary>
    public static string BuildInstallScript(string schema)
    {
        var script = new StringBuilder();
        script.AppendLine(CultureInfo.InvariantCulture, $"-- InvoiceOcr.Sdk PostgreSQL schema \"{schema}\", version {LatestVersion}. Idempotent; run with psql -v ON_ERROR_STOP=1 -f <file>.");
        script.AppendLine("BEGIN;");
        script.AppendLine(CultureInfo.InvariantCulture, $"SELECT pg_advisory_xact_lock({LockKey(schema)});");
        script.AppendLine(RelationalMigrations.ForSchema(CreateVersionTable, schema));
        script.AppendLine(CultureInfo.InvariantCulture, $"DO $$ BEGIN IF (SELECT COALESCE(MAX(\"Version\"), 0) FROM \"{schema}\".\"SchemaVersion\") > {LatestVersion} THEN RAISE EXCEPTION 'The database schema is newer than this script (version {LatestVersion}).'; END IF; END $$;");
        foreach (var migration in All)
        {
            script.AppendLine(CultureInfo.InvariantCulture, $"-- {migration.Name}");
            script.AppendLine(RelationalMigrations.ForSchema(migration.Sql, schema).TrimEnd());
            script.AppendLine(CultureInfo.InvariantCulture, $"INSERT INTO \"{schema}\".\"SchemaVersion\" (\"Version\", \"Description\", \"AppliedAtUtc\") VALUES ({migration.Version}, '{migration.Name}', clock_timestamp()) ON CONFLICT (\"Version\") DO NOTHING;");
        }

        script.AppendLine("COMMIT;");
        return script.ToString();
    }
}
