using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using InvoiceOcr.Sdk.Relational;

namespace InvoiceOcr.Sdk.SqlServer.Schema;

/// <summary>One numbered migration script embedded in the assembly (<c>Migrations/0001_Initial.sql</c>).</summary>
/// <param name="Version">The version the script brings the schema to.</param>
/// <param name="Name">The script's name, for example <c>0001_Initial</c>.</param>
/// <param name="Sql">The script.</param>
internal sealed record MigrationScript(int Version, string Name, string Sql);

/// <summary>The embedded SQL Server migrations and the statements the migration runner issues.</summary>
internal static partial class SqlServerMigrations
{
    /// <summary>The token replaced by the validated schema name.</summary>
    public const string SchemaToken = "{schema}";

    /// <summary>Takes the migration lock for the transaction; the runner checks the return code.</summary>
    internal const string AcquireLockSql =
        "DECLARE @result INT; EXEC @result = sys.sp_getapplock @Resource = @resource, @LockMode = N'Exclusive', @LockOwner = N'Transaction', @LockTimeout = @timeoutMs; SELECT @result;";

    /// <summary>Creates the schema and the version table when missing.</summary>
    internal const string CreateVersionTableSql =
        "IF SCHEMA_ID(N'{schema}') IS NULL EXEC (N'CREATE SCHEMA [{schema}]'); " +
        "IF OBJECT_ID(N'[{schema}].[SchemaVersion]', N'U') IS NULL CREATE TABLE [{schema}].[SchemaVersion] (" +
        "[Version] INT NOT NULL CONSTRAINT [PK_SchemaVersion] PRIMARY KEY, [Description] NVARCHAR(200) NOT NULL, [AppliedAtUtc] DATETIME2(7) NOT NULL);";

    /// <summary>Reads the schema version (0 when nothing was applied).</summary>
    internal const string SelectVersionSql = "SELECT COALESCE(MAX([Version]), 0) FROM [{schema}].[SchemaVersion];";

    /// <summary>Reads the schema version without failing when the version table does not exist.</summary>
    internal const string SelectVersionIfExistsSql =
        "IF OBJECT_ID(N'[{schema}].[SchemaVersion]', N'U') IS NULL SELECT 0; ELSE SELECT COALESCE(MAX([Version]), 0) FROM [{schema}].[SchemaVersion];";

    /// <summary>Records an applied migration.</summary>
    internal const string InsertVersionSql =
        "INSERT INTO [{schema}].[SchemaVersion] ([Version], [Description], [AppliedAtUtc]) VALUES (@version, @name, SYSUTCDATETIME());";

    private const string Prefix = "InvoiceOcr.Sdk.SqlServer.Migrations.";

    private static readonly Lazy<List<MigrationScript>> Scripts = new(Load);

    /// <summary>Gets every migration, by version.</summary>
    public static IReadOnlyList<MigrationScript> All => Scripts.Value;

    /// <summary>Gets the version the newest migration brings the schema to.</summary>
    public static int LatestVersion => All[^1].Version;

    /// <summary>Replaces the schema token. The schema name must already be validated.</summary>
    public static string ForSchema(string sql, string schema) => sql.Replace(SchemaToken, schema, StringComparison.Ordinal);

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
        script.AppendLine(ForSchema(CreateVersionTableSql, schema));
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

    private static List<MigrationScript> Load() => 
        RelationalMigrations.Load(typeof(SqlServerMigrations).Assembly, Prefix).ConvertAll(static m => new MigrationScript(m.Version, m.Name, m.Sql));

    [GeneratedRegex(@"^\s*GO\s*;?\s*$", RegexOptions.Multiline | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex GoLine();
}
