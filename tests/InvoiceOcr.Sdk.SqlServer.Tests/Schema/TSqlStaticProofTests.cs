using System.Reflection;
using InvoiceOcr.Sdk.SqlServer.Schema;
using InvoiceOcr.Sdk.SqlServer.Store;

namespace InvoiceOcr.Sdk.SqlServer.Tests.Schema;

/// <summary>
/// Static proof, runnable anywhere: every statement the SQL Server package can issue parses with the SQL Server 2022
/// parser, and every table and column it names exists in the schema the migrations create.
/// </summary>
public sealed class TSqlStaticProofTests
{
    private const string Schema = "InvoiceOcr";

    public static TheoryData<string> Statements()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in AllStatements())
        {
            data.Add(name);
        }

        return data;
    }

    private static IEnumerable<(string Name, string Sql)> AllStatements()
    {
        foreach (var field in typeof(SqlServerQueries).GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral && f.FieldType == typeof(string)))
        {
            yield return ("SqlServerQueries." + field.Name, SqlServerMigrations.ForSchema((string)field.GetRawConstantValue()!, Schema));
        }

        foreach (var field in typeof(SqlServerMigrations).GetFields(BindingFlags.NonPublic | BindingFlags.Static).Where(f => f.IsLiteral && f.Name.EndsWith("Sql", StringComparison.Ordinal)))
        {
            yield return ("SqlServerMigrations." + field.Name, SqlServerMigrations.ForSchema((string)field.GetRawConstantValue()!, Schema));
        }
    }

    private static TSqlBinder SchemaBinder()
    {
        var binder = new TSqlBinder();
        binder.Learn(TSqlBinder.Parse(SqlServerMigrations.ForSchema(SqlServerMigrations.CreateVersionTableSql, Schema)));
        foreach (var migration in SqlServerMigrations.All)
        {
            binder.Learn(TSqlBinder.Parse(SqlServerMigrations.ForSchema(migration.Sql, Schema)));
        }

        return binder;
    }

    [Fact]
    public void Migrations_EachScript_ParsesWithZeroErrorsAndBinds()
    {
        var binder = SchemaBinder();
        Assert.NotEmpty(SqlServerMigrations.All);
        foreach (var migration in SqlServerMigrations.All)
        {
            var errors = binder.Bind(TSqlBinder.Parse(SqlServerMigrations.ForSchema(migration.Sql, Schema)));
            Assert.True(errors.Count == 0, migration.Name + ":\n" + string.Join("\n", errors));
        }
    }

    [Fact]
    public void Migrations_CreateEverySeedTableAndView()
    {
        var binder = SchemaBinder();

        foreach (var name in (string[])["TokenMaster", "TokenUsageLogs", "TokenUsageSummary", "RetryAttempts", "ApplicationLogs", "SchemaVersion",
            "QuotaWindows", "QuotaReservations", "QuotaProjects", "TokenStatusHistory", "vw_TokenStatus", "vw_UsageSummary", "vw_RecentErrors", "vw_FailedRetries"])
        {
            Assert.True(binder.Relations.ContainsKey(name), name + " is not created by the migrations.");
        }

        Assert.Superset(
            new HashSet<string>(["InputTokens", "OutputTokens", "TextTokens", "ImageTokens", "DocumentTokens", "CachedTokens", "ThoughtsTokens", "TotalTokens", "RequestCount",
                "CompanyId", "Branch", "UserId", "Model", "ResponseId", "StartedAtUtc", "CompletedAtUtc", "UsageMetadataJson", "UsageId"], StringComparer.OrdinalIgnoreCase),
            binder.Relations["TokenUsageLogs"]);
    }

    [Fact]
    public void InstallScript_ForDba_ParsesWithZeroErrorsAndBinds()
    {
        var script = SqlServerStoreSchema.GetInstallScript(Schema);

        var errors = SchemaBinder().Bind(TSqlBinder.Parse(script));

        Assert.Empty(errors);
        Assert.Contains("sp_getapplock", script, StringComparison.Ordinal);
        Assert.Contains("IF @result < 0 THROW", script, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public void InlineStatement_ParsesWithZeroErrorsAndEveryColumnExists(string name)
    {
        var sql = AllStatements().Single(s => s.Name == name).Sql;

        var errors = SchemaBinder().Bind(TSqlBinder.Parse(sql));

        Assert.True(errors.Count == 0, name + ":\n" + string.Join("\n", errors));
    }

    [Fact]
    public void InlineStatements_AreAllEnumerated_NoQueryHidesInAnotherType()
    {
        var known = new[] { typeof(SqlServerQueries), typeof(SqlServerMigrations) };
        var hidden = typeof(SqlServerInvoiceOcrStore).Assembly.GetTypes()
            .Where(t => !known.Contains(t))
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static).Where(f => f.IsLiteral && f.FieldType == typeof(string)))
            .Where(f => ((string)f.GetRawConstantValue()!).Contains("SELECT ", StringComparison.OrdinalIgnoreCase)
                || ((string)f.GetRawConstantValue()!).Contains("UPDATE ", StringComparison.OrdinalIgnoreCase))
            .Select(f => f.DeclaringType!.Name + "." + f.Name)
            .ToList();

        Assert.Empty(hidden);
        Assert.True(AllStatements().Count() >= 30, "Expected the store's statements to be enumerated.");
    }

    [Theory]
    [InlineData("SELECT [TokenIdd] FROM [InvoiceOcr].[TokenMaster];", "TokenIdd")]
    [InlineData("UPDATE [InvoiceOcr].[TokenMaster] SET [TokensUsedd] = 1 WHERE [TokenId] = @id;", "TokensUsedd")]
    [InlineData("SELECT t.[Statuss] FROM [InvoiceOcr].[TokenMaster] AS t;", "Statuss")]
    [InlineData("SELECT [Id] FROM [InvoiceOcr].[TokenMasters];", "TokenMasters")]
    [InlineData("DELETE FROM [InvoiceOcr].[QuotaReservations] OUTPUT deleted.[TokenIdx] WHERE [ReservationId] = @id;", "TokenIdx")]
    public void Binder_TypoInColumnOrTable_Fails(string sql, string typo)
    {
        var errors = SchemaBinder().Bind(TSqlBinder.Parse(sql));

        Assert.Contains(errors, e => e.Contains(typo, StringComparison.Ordinal));
    }

    [Fact]
    public void Parser_InvalidSyntax_IsReported()
    {
        Assert.Throws<InvalidOperationException>(() => TSqlBinder.Parse("SELEC [TokenId] FROM [InvoiceOcr].[TokenMaster];"));
    }
}
