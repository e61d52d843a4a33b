using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk.SqlServer.Schema;

/// <summary>The embedded SQL Server migrations and the statements the migration runner issues.</summary>
internal static partial class SqlServerMigrations
{
    /// <summary>Takes the migration lock for the transaction; the runner checks the return code.</summary>
    internal const string AcquireLockSql =
        "DECLARE @result INT; EXEC @result = sys.sp_getapplock @Resource = @resource, @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = @timeoutMs; SELECT @result;";

    /// <summary>Creates the schema and the version table when missing.</summary>
    internal const string CreateVersionTable =
        "IF SCHEMA_ID(N'{schema}') IS NULL EXEC (N'CREATE SCHEMA [{schema}]'); " +
        "IF OBJECT_ID(N'[{schema}].[SchemaVersion]', N'U') IS NULL CREATE TABLE [{schema}].[SchemaVersion] (" +
        "[Version] INT NOT NULL CONSTRAINT [PK_SchemaVersion] PRIMARY KEY, [Description] NVARCHAR(200) NOT NULL, [AppliedAtUtc] DATETIME2(7) NOT NULL);";

    /// <summary>Reads the schema version (0 when nothing was applied).</summary>
    internal const string SelectVersion = "SELECT COALESCE(MAX([Version]), 0) FROM [{schema}].[SchemaVersion];";

    /// <summary>Whether the version table exists (the version is 0 when it does not).</summary>
    internal const string VersionTableExists = "SELECT CASE WHEN OBJECT_ID(N'[{schema}].[SchemaVersion]', N'U') IS NULL THEN 0 ELSE 1 END;";

    /// <summary>Records an applied migration.</summary>
    internal const string InsertVersion =
        "INSERT INTO [{schema}].[SchemaVersion] ([Version], [Description], [AppliedAtUtc]) VALUES (@version, @name, SYSUTCDATETIME());";

    private const string Prefix = "InvoiceOcr.Sdk.SqlServer.Migrations.";

    /// <summary>The version-table statements, as the shared migrator takes them.</summary>
    public static readonly RelationalMigrationStatements Statements = RelationalMigrationStatements.FromConstants(typeof(SqlServerMigrations));

    /// <summary>Gets every migration, by version.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> All => RelationalMigrations.Load(typeof(SqlServerMigrations).Assembly, Prefix);

    /// <summary>Gets the version the newest migration brings the schema to.</summary>
    public static int LatestVersion => All[^1].Version;

    /// <summary>Replaces the schema token. The schema name must already be validated.</summary>
    public static string ForSchema(string sql, string schema) => RelationalMigrations.ForSchema(sql, schema);

    /// <summary>Splits a script into batches at lines holding only <c>GO</c>.</summary>
    public static IReadOnlyList<string> SplitBatches(string script) =>
        [.. GoLine().Split(script).Select(static b => b.Trim()).Where(static b => b.Length > 0)];

    /// <summary>Builds the whole install script for a DBA: one transaction under the same application lock the runner takes.</summary>
    public static string BuildInstallScript(string schema)
    {
        var script = new StringBuilder();
        script.AppendLine(CultureInfo.InvariantCulture, $"-- InvoiceOcr.Sdk SQL Server schema '{schema}', version {LatestVersion}. Idempotent; run with sqlcmd -b (stops at the first error) or SSMS.");
        script.AppendLine("SET XACT_ABORT ON;");
        script.AppendLine("BEGIN TRANSACTION;");
        script.AppendLine(CultureInfo.InvariantCulture, $"DECLARE @result INT; EXEC @result = sys.sp_getapplock @Resource = N'{LockResource(schema)}', @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = 60000;");
        script.AppendLine("IF @result < 0 THROW 50001, N'Could not take the InvoiceOcr migration lock (sp_getapplock returned a negative code).', 1;");
        script.AppendLine(ForSchema(CreateVersionTable, schema));
        script.AppendLine(CultureInfo.InvariantCulture, $"IF (SELECT COALESCE(MAX([Version]), 0) FROM [{schema}].[SchemaVersion]) > {LatestVersion} THROW 50002, N'The database schema is newer than this script.', 1;");
        script.AppendLine("GO");
        foreach (var migration in All)
        {
            script.AppendLine(CultureInfo.InvariantCulture, $"-- {migration.Name}");
            foreach (var batch in SplitBatches(ForSchema(migration.Sql, schema)))
            {
                script.AppendLine(batch);
                script.AppendLine("GO");
            }

            script.AppendLine(CultureInfo.InvariantCulture, $"IF NOT EXISTS (SELECT 1 FROM [{schema}].[SchemaVersion] WHERE [Version] = {migration.Version}) INSERT INTO [{schema}].[SchemaVersion] ([Version], [Description], [AppliedAtUtc]) VALUES ({migration.Version}, N'{migration.Name}', SYSUTCDATETIME());");
            script.AppendLine("GO");
        }

        script.AppendLine("COMMIT TRANSACTION;");
        script.AppendLine("GO");
        return script.ToString();
    }

    /// <summary>The application lock resource of a schema's migrations.</summary>
    public static string LockResource(string schema) => "InvoiceOcr.Sdk:" + schema + ":migrations";

    [GeneratedRegex(@"^\s*GO\s*;?\s*$", RegexOptions.Multiline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex GoLine();
}
