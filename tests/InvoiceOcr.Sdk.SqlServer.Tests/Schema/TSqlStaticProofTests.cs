using System.Reflection;
using InvoiceOcr.Sdk.SqlServer.Schema;

namespace InvoiceOcr.Sdk.SqlServer.Tests.Schema;

/// <summary>
/// Static proof, runnable anywhere (no SQL Server runs here): every statement the SQL Server package can issue parses
/// with the SQL Server 2022 parser and binds to the schema the migrations create — tables in their schema, columns per
/// table and alias, types, NOT NULL columns — with exactly the parameters the C# code binds to it.
/// </summary>
public sealed class TSqlStaticProofTests
{
    private const string Schema = "InvoiceOcr";

    private static readonly string[] StatementKeywords = ["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "IF", "DECLARE", "EXEC", "WITH", "CREATE", "SET", "BEGIN"];

    private static readonly Lazy<TSqlBinder> Binder = new(SchemaBinder);

    private static readonly Lazy<(SqlBindingSites Analysis, IReadOnlyList<SqlBindingSite> Sites)> Analysis =
        new(() => SqlBindingSites.Analyze(AllStatements().Select(s => s.Raw).ToHashSet(StringComparer.Ordinal)));

    public static TheoryData<string> Statements()
    {
        var data = new TheoryData<string>();
        foreach (var statement in AllStatements())
        {
            data.Add(statement.Key);
        }

        return data;
    }

    /// <summary>
    /// Every string the SQL Server assembly holds as a constant, a static read-only field or a static property that is
    /// a statement (starts with a statement keyword), whatever type holds it; composition fragments (a column list) are
    /// not statements. Raw is the text as compiled (with the schema token), Sql the text as executed.
    /// </summary>
    private static IEnumerable<(string Key, string Raw, string Sql)> AllStatements()
    {
        const BindingFlags Static = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly;
        foreach (var type in typeof(SqlServerStoreOptions).Assembly.GetTypes().Where(t => !t.ContainsGenericParameters))
        {
            var values = type.GetFields(Static).Where(f => f.FieldType == typeof(string) && (f.IsLiteral || f.IsInitOnly))
                .Select(f => (f.Name, Value: f.IsLiteral ? f.GetRawConstantValue() as string : Read(() => f.GetValue(null))))
                .Concat(type.GetProperties(Static).Where(p => p.PropertyType == typeof(string) && p.GetIndexParameters().Length == 0 && p.GetMethod is not null)
                    .Select(p => (p.Name, Value: Read(() => p.GetValue(null)))));
            foreach (var (name, raw) in values)
            {
                if (raw is null)
                {
                    continue;
                }

                var sql = SqlServerMigrations.ForSchema(raw, Schema);
                var first = sql.TrimStart().Split([' ', '\n', '\r', '\t', '('], 2)[0];
                if (StatementKeywords.Contains(first, StringComparer.OrdinalIgnoreCase))
                {
                    yield return (type.FullName!.Replace('+', '.') + "." + name, raw, sql);
                }
            }
        }

        static string? Read(Func<object?> read)
        {
            try
            {
                return read() as string;
            }
            catch (TargetInvocationException)
            {
                return null; // A property that needs state is not a statement constant.
            }
        }
    }

    private static TSqlBinder SchemaBinder()
    {
        var binder = new TSqlBinder();
        binder.Learn(TSqlBinder.Parse(SqlServerMigrations.ForSchema(SqlServerMigrations.CreateVersionTable, Schema)));
        foreach (var migration in SqlServerMigrations.All)
        {
            binder.Learn(TSqlBinder.Parse(SqlServerMigrations.ForSchema(migration.Sql, Schema)));
        }

        return binder;
    }

    private static string Raw(string name) => AllStatements().Single(s => s.Key.EndsWith("." + name, StringComparison.Ordinal)).Raw;

    private static IReadOnlyList<BindError> Bind(string sql, params (string Name, Type? Type)[] parameters) =>
        Binder.Value.Bind(TSqlBinder.Parse(sql), parameters.ToDictionary(p => p.Name, p => p.Type?.FullName, StringComparer.OrdinalIgnoreCase));

    [Fact]
    public void Migrations_EachScript_ParsesWithZeroErrorsAndBinds()
    {
        Assert.NotEmpty(SqlServerMigrations.All);
        foreach (var migration in SqlServerMigrations.All)
        {
            var errors = Binder.Value.Bind(TSqlBinder.Parse(SqlServerMigrations.ForSchema(migration.Sql, Schema)));
            Assert.True(errors.Count == 0, migration.Name + ":\n" + string.Join("\n", errors));
        }
    }

    [Fact]
    public void Migrations_CreateEverySeedTableAndView()
    {
        foreach (var name in (string[])["TokenMaster", "TokenUsageLogs", "TokenUsageSummary", "RetryAttempts", "ApplicationLogs", "SchemaVersion",
            "QuotaWindows", "QuotaReservations", "QuotaProjects", "TokenStatusHistory", "vw_TokenStatus", "vw_UsageSummary", "vw_RecentErrors", "vw_FailedRetries"])
        {
            Assert.True(Binder.Value.Relations.ContainsKey(name), name + " is not created by the migrations.");
            Assert.Equal(Schema, Binder.Value.Relations[name].Schema);
        }

        Assert.Superset(
            new HashSet<string>(["InputTokens", "OutputTokens", "TextTokens", "ImageTokens", "DocumentTokens", "CachedTokens", "ThoughtsTokens", "TotalTokens", "RequestCount",
                "CompanyId", "Branch", "UserId", "Model", "ResponseId", "StartedAtUtc", "CompletedAtUtc", "UsageMetadataJson", "UsageId"], StringComparer.OrdinalIgnoreCase),
            Binder.Value.Relations["TokenUsageLogs"].Columns.Select(c => c.Name).ToHashSet(StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public void Learn_ColumnDefinitions_KeepTypeNullabilityAndDefaults()
    {
        var key = Binder.Value.Relations["TokenMaster"];

        Assert.Equal(SqlTypeKind.Binary, key.Find("SecretCiphertext")!.Type.Kind);
        Assert.Equal(8, key.Find("TokensUsed")!.Type.IntegerBytes);
        Assert.False(key.Find("TokenId")!.Nullable);
        Assert.True(key.Find("StatusReason")!.Nullable);
        Assert.True(key.Find("Weight")!.HasDefault);
        Assert.False(key.Find("CreatedAtUtc")!.HasDefault);
        Assert.True(Binder.Value.Relations["TokenUsageLogs"].Find("Id")!.HasDefault); // IDENTITY
        Assert.Equal(SqlTypeKind.Decimal, Binder.Value.Relations["vw_TokenStatus"].Find("UsagePercent")!.Type.Kind);
    }

    [Fact]
    public void InstallScript_ForDba_ParsesWithZeroErrorsAndBinds()
    {
        var script = SqlServerStoreSchema.GetInstallScript(Schema);

        var errors = Binder.Value.Bind(TSqlBinder.Parse(script));

        Assert.True(errors.Count == 0, string.Join("\n", errors));
        Assert.Contains("sp_getapplock", script, StringComparison.Ordinal);
        Assert.Contains("IF @result < 0 THROW", script, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public void InlineStatement_WithEveryParameterSetTheCodeBinds_BindsWithZeroErrors(string key)
    {
        var (_, raw, sql) = AllStatements().Single(s => s.Key == key);
        var parsed = TSqlBinder.Parse(sql);
        var sites = Analysis.Value.Sites.Where(s => s.Statements.Contains(raw)).ToList();
        var used = TSqlBinder.ParametersOf(parsed);

        if (sites.Count == 0)
        {
            // Only a statement without parameters may have no binding site (the analysis would otherwise be blind to it).
            Assert.True(used.Count == 0, $"{key} uses {string.Join(", ", used)} but no C# code that creates a command for it was found; teach SqlBindingSites the new pattern.");
            var errors = Binder.Value.Bind(parsed);
            Assert.True(errors.Count == 0, key + ":\n" + string.Join("\n", errors));
            return;
        }

        foreach (var site in sites)
        {
            var errors = Binder.Value.Bind(parsed, site.Parameters).Concat(Binder.Value.CheckReads(parsed, site.Parameters, site.Reads)).ToList();
            Assert.True(errors.Count == 0, $"{key} as bound at {site.Location} ({string.Join(", ", site.Parameters.Select(p => p.Key + ":" + (p.Value ?? "?")))}):\n" + string.Join("\n", errors));
        }
    }

    [Fact]
    public void InlineStatements_AreAllEnumeratedAndFoundInTheCode()
    {
        var statements = AllStatements().ToList();
        var sites = Analysis.Value.Sites;
        var unbound = statements.Where(s => TSqlBinder.ParametersOf(TSqlBinder.Parse(s.Sql)).Count > 0 && !sites.Any(site => site.Statements.Contains(s.Raw))).Select(s => s.Key).ToList();

        Assert.True(statements.Count >= 30, "Expected the store's statements to be enumerated.");
        Assert.Empty(unbound);
        Assert.Contains(Analysis.Value.Analysis.Files, f => f.EndsWith("SqlServerQueries.cs", StringComparison.Ordinal));
    }

    [Fact]
    public void BindingSites_InsertKey_ReadsNamesAndTypesFromTheCode()
    {
        var site = Assert.Single(Analysis.Value.Sites, s => s.Statements.Contains(Raw("InsertKey")));

        Assert.Equal(20, site.Parameters.Count);
        Assert.Equal("System.String", site.Parameters["@id"]);
        Assert.Equal("System.Byte[]", site.Parameters["@cipher"]);
        Assert.Equal("System.Byte", site.Parameters["@status"]);
        Assert.Equal("System.DateTimeOffset", site.Parameters["@now"]); // await NowAsync(...).ConfigureAwait(false)
    }

    [Theory]
    [InlineData("PurgeApplicationLogs")]
    [InlineData("PurgeRetryAttempts")]
    public void RetentionPurge_AsTheSharedStoreBindsIt_BindsWithZeroErrorsInBatchesOnTheClusteredKey(string name)
    {
        var raw = Raw(name);
        var site = Assert.Single(Analysis.Value.Sites, s => s.Statements.Contains(raw));
        var parsed = TSqlBinder.Parse(SqlServerMigrations.ForSchema(raw, Schema));

        Assert.Equal(["@batch", "@cutoff"], site.Parameters.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("System.Int32", site.Parameters["@batch"]);
        Assert.Equal("System.DateTimeOffset", site.Parameters["@cutoff"]);
        var errors = Binder.Value.Bind(parsed, site.Parameters);
        Assert.True(errors.Count == 0, string.Join("\n", errors));
        // Small batches on the clustered primary key: TOP (@batch) ... ORDER BY [Id], never a whole-table delete.
        Assert.Contains("SELECT TOP (@batch) [Id]", raw, StringComparison.Ordinal);
        Assert.Contains("ORDER BY [Id]", raw, StringComparison.Ordinal);
        Assert.Equal(4_999, Relational.RelationalRetentionOptions.MaxBatchSize);
    }

    [Fact]
    public void BindingSites_SharedSettlementCode_IsFollowedThroughTheStatementRecord()
    {
        // Two sites: the settlement of a reservation, and the charge of an attempt that held none (a fallback key's).
        var sites = Analysis.Value.Sites.Where(s => s.Statements.Contains(Raw("SettleKey"))).ToList();

        Assert.Equal(2, sites.Count);
        Assert.All(sites, settle =>
        {
            Assert.Equal(["@actual", "@id", "@now", "@reserved"], settle.Parameters.Keys.Order(StringComparer.Ordinal));
            Assert.Equal("System.Int64", settle.Parameters["@actual"]);
            Assert.Equal("System.Int64", settle.Parameters["@reserved"]);
            Assert.Equal("System.DateTimeOffset", settle.Parameters["@now"]); // dialect.Time(now): the SQL Server override's type
        });
    }

    /// <summary>Statements SQL Server would reject, each with the parameters a C# caller would bind, and the rejection expected.</summary>
    public static TheoryData<string, string, string, BindErrorKind> Rejected() => new()
    {
        {
            "wrong schema",
            "SELECT [TokenId] FROM [dbo].[TokenMaster] WHERE [TokenId] = @id;", "@id:System.String", BindErrorKind.WrongSchema
        },
        {
            "no schema (resolves to dbo)",
            "SELECT [TokenId] FROM [TokenMaster] WHERE [TokenId] = @id;", "@id:System.String", BindErrorKind.WrongSchema
        },
        {
            "a column of another table of the statement",
            "SELECT [TokenId] FROM [InvoiceOcr].[TokenMaster] WHERE EXISTS (SELECT 1 FROM [InvoiceOcr].[QuotaWindows] WHERE [ScopeId] = @id) AND [Requests] > 0;", "@id:System.String", BindErrorKind.UnknownColumn
        },
        {
            "a column of another table through an alias",
            "SELECT t.[TokenId] FROM [InvoiceOcr].[TokenMaster] AS t JOIN [InvoiceOcr].[QuotaWindows] AS w ON w.[ScopeId] = t.[TokenId] WHERE t.[Requests] > 0;", "", BindErrorKind.UnknownColumn
        },
        {
            "an undeclared parameter",
            "SELECT [TokenId] FROM [InvoiceOcr].[TokenMaster] WHERE [TokenId] = @id AND [CompanyId] = @companyId;", "@id:System.String", BindErrorKind.UndeclaredParameter
        },
        {
            "a parameter the code binds that the statement does not use",
            "SELECT [TokenId] FROM [InvoiceOcr].[TokenMaster] WHERE [TokenId] = @id;", "@id:System.String,@companyId:System.String", BindErrorKind.UnusedParameter
        },
        {
            "an INSERT with the wrong number of values",
            "INSERT INTO [InvoiceOcr].[TokenStatusHistory] ([TokenId], [FromStatus], [ToStatus], [Reason], [ChangedAtUtc]) VALUES (@id, @from, @to, @now);",
            "@id:System.String,@from:System.Byte,@to:System.Byte,@now:System.DateTimeOffset", BindErrorKind.InsertCountMismatch
        },
        {
            "an INSERT ... SELECT with the wrong number of values",
            "INSERT INTO [InvoiceOcr].[QuotaProjects] ([ProjectId], [UpdatedAtUtc]) SELECT @projectId, @now, NULL;",
            "@projectId:System.String,@now:System.DateTimeOffset", BindErrorKind.InsertCountMismatch
        },
        {
            "a missing NOT NULL column without default",
            "INSERT INTO [InvoiceOcr].[TokenStatusHistory] ([TokenId], [FromStatus], [Reason], [ChangedAtUtc]) VALUES (@id, @from, @reason, @now);",
            "@id:System.String,@from:System.Byte,@reason:System.String,@now:System.DateTimeOffset", BindErrorKind.NotNullViolation
        },
        {
            "NULL stored into a NOT NULL column",
            "UPDATE [InvoiceOcr].[TokenMaster] SET [UpdatedAtUtc] = NULL WHERE [TokenId] = @id;", "@id:System.String", BindErrorKind.NotNullViolation
        },
        {
            "a parameter of the wrong type",
            "UPDATE [InvoiceOcr].[TokenMaster] SET [TokensUsed] = @used WHERE [TokenId] = @id;", "@id:System.String,@used:System.DateTimeOffset", BindErrorKind.TypeMismatch
        },
        {
            "a comparison of a text column with a number",
            "SELECT [TokenId] FROM [InvoiceOcr].[TokenMaster] WHERE [TokenId] = @id;", "@id:System.Int64", BindErrorKind.TypeMismatch
        },
        {
            "a long bound to an INT column",
            "UPDATE [InvoiceOcr].[TokenMaster] SET [UsageThresholdNotified] = @percent WHERE [TokenId] = @id;", "@id:System.String,@percent:System.Int64", BindErrorKind.TypeMismatch
        },
        {
            "a SELECT alias used as a column",
            "SELECT [TokensUsed] + [TokensReserved] AS [Held] FROM [InvoiceOcr].[TokenMaster] WHERE [Held] > @limit;", "@limit:System.Int64", BindErrorKind.SelectAliasAsColumn
        },
        {
            "an ambiguous column",
            "SELECT [CompanyId] FROM [InvoiceOcr].[TokenMaster] AS t JOIN [InvoiceOcr].[QuotaReservations] AS r ON r.[TokenId] = t.[TokenId];", "", BindErrorKind.AmbiguousColumn
        },
        {
            "an unknown function",
            "UPDATE [InvoiceOcr].[TokenMaster] SET [UpdatedAtUtc] = SYSUTCDATETIMEX() WHERE [TokenId] = @id;", "@id:System.String", BindErrorKind.UnknownFunction
        },
        {
            "an inserted. column of another table",
            "UPDATE [InvoiceOcr].[TokenMaster] SET [TokensUsed] = 0 OUTPUT inserted.[Requests] WHERE [TokenId] = @id;", "@id:System.String", BindErrorKind.PseudoTableColumn
        },
        {
            "inserted. in a DELETE",
            "DELETE FROM [InvoiceOcr].[QuotaReservations] OUTPUT inserted.[TokenId] WHERE [ReservationId] = @id;", "@id:System.String", BindErrorKind.PseudoTableColumn
        },
        {
            "an unknown alias",
            "SELECT x.[TokenId] FROM [InvoiceOcr].[TokenMaster] AS t;", "", BindErrorKind.UnknownQualifier
        },
        {
            "a table name hidden by its alias",
            "SELECT [TokenMaster].[TokenId] FROM [InvoiceOcr].[TokenMaster] AS t;", "", BindErrorKind.UnknownQualifier
        },
        {
            "an unknown table",
            "SELECT [Id] FROM [InvoiceOcr].[TokenMasters];", "", BindErrorKind.UnknownObject
        },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Binder_StatementSqlServerRejects_IsRejectedWithTheSpecificError(string why, string sql, string parameters, BindErrorKind expected)
    {
        var bound = parameters.Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split(':'))
            .ToDictionary(p => p[0], p => (string?)p[1], StringComparer.OrdinalIgnoreCase);

        var errors = Binder.Value.Bind(TSqlBinder.Parse(sql), bound);

        Assert.True(errors.Any(e => e.Kind == expected), $"{why}: expected {expected}, got:\n{string.Join("\n", errors.DefaultIfEmpty(new BindError(expected, "(no error)")))}");
        Assert.DoesNotContain(errors, e => e.Kind == BindErrorKind.Unsupported);
    }

    [Fact]
    public void Binder_CorrelatedSubqueryAndDerivedTable_ResolveColumnsPerScope()
    {
        var errors = Bind(
            "SELECT g.[Day], SUM(g.[Tokens]) FROM (SELECT CAST([StartedAtUtc] AS DATE) AS [Day], [TotalTokens] AS [Tokens] FROM [InvoiceOcr].[TokenUsageLogs] AS u " +
            "WHERE EXISTS (SELECT 1 FROM [InvoiceOcr].[TokenMaster] AS t WHERE t.[TokenId] = u.[TokenId] AND t.[CompanyId] = @companyId)) AS g GROUP BY g.[Day] ORDER BY g.[Day];",
            ("@companyId", typeof(string)));

        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("SELECT [TokenIdd] FROM [InvoiceOcr].[TokenMaster];", "TokenIdd")]
    [InlineData("UPDATE [InvoiceOcr].[TokenMaster] SET [TokensUsedd] = 1 WHERE [TokenId] = N'k';", "TokensUsedd")]
    [InlineData("SELECT t.[Statuss] FROM [InvoiceOcr].[TokenMaster] AS t;", "Statuss")]
    [InlineData("SELECT [Id] FROM [InvoiceOcr].[TokenMasters];", "TokenMasters")]
    [InlineData("DELETE FROM [InvoiceOcr].[QuotaReservations] OUTPUT deleted.[TokenIdx] WHERE [ReservationId] = N'r';", "TokenIdx")]
    public void Binder_TypoInColumnOrTable_Fails(string sql, string typo)
    {
        var errors = Binder.Value.Bind(TSqlBinder.Parse(sql));

        Assert.Contains(errors, e => e.Message.Contains(typo, StringComparison.Ordinal));
    }

    [Fact]
    public void BindingSites_ReadsOfSharedMappingCode_AreFollowedToTheirOrdinals()
    {
        // SelectKey is read by AdoKeyMapping.ReadKey (through the dialect's overrides and ReadLimits(reader, 14)).
        var site = Assert.Single(Analysis.Value.Sites, s => s.Statements.Contains(Raw("SelectKey")));
        var usage = Assert.Single(Analysis.Value.Sites, s => s.Statements.Contains(Raw("ListUsage")));

        Assert.Equal(Enumerable.Range(0, 23), site.Reads.Select(r => r.Ordinal).Distinct().Order());
        Assert.Contains(site.Reads, r => r is { Ordinal: 8, Getter: "GetByte" });
        Assert.Contains(site.Reads, r => r is { Ordinal: 16, Getter: "GetInt64" });
        Assert.Contains(site.Reads, r => r is { Ordinal: 6, Getter: "Bytes" });
        Assert.Contains(usage.Reads, r => r is { Ordinal: 20, Getter: "GetInt32" }); // through ReadAllAsync's lambda
    }

    [Fact]
    public void CheckReads_GetterOfTheWrongWidthOrMissingColumn_IsRejected()
    {
        var parsed = TSqlBinder.Parse("SELECT [Weight], [TokensUsed] FROM [InvoiceOcr].[TokenMaster] WHERE [TokenId] = @id;");
        var bound = new Dictionary<string, string?> { ["@id"] = "System.String" };

        var errors = Binder.Value.CheckReads(parsed, bound, [(0, "GetInt64", "Store.cs:1"), (1, "GetInt64", "Store.cs:2"), (2, "GetString", "Store.cs:3")]);

        Assert.Equal(2, errors.Count);
        Assert.All(errors, e => Assert.Equal(BindErrorKind.ResultColumn, e.Kind));
        Assert.Contains(errors, e => e.Message.Contains("GetInt64(0)", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Message.Contains("GetString(2)", StringComparison.Ordinal));
    }

    [Fact]
    public void BindingSites_CodeThatBindsTooFewParameters_IsRejected()
    {
        const string Source = """
            using Microsoft.Data.SqlClient;

            namespace Fake;

            internal static class Queries
            {
                public const string GetKey = "SELECT [TokenId] FROM [InvoiceOcr].[TokenMaster] WHERE [TokenId] = @id AND [CompanyId] = @companyId;";
            }

            internal sealed class Store
            {
                public void Get(string id)
                {
                    using var command = Command(Queries.GetKey, ("@id", id));
                }

                private static SqlCommand Command(string sql, params (string Name, object? Value)[] parameters)
                {
                    var command = new SqlCommand(sql);
                    foreach (var (name, value) in parameters)
                    {
                        command.Parameters.AddWithValue(name, value);
                    }

                    return command;
                }
            }
            """;
        const string Sql = "SELECT [TokenId] FROM [InvoiceOcr].[TokenMaster] WHERE [TokenId] = @id AND [CompanyId] = @companyId;";
        var (_, sites) = SqlBindingSites.Analyze([("Store.cs", Source)], new HashSet<string>([Sql], StringComparer.Ordinal));

        var site = Assert.Single(sites);
        var errors = Binder.Value.Bind(TSqlBinder.Parse(Sql), site.Parameters);

        Assert.Equal(["@id"], site.Parameters.Keys);
        Assert.Equal("System.String", site.Parameters["@id"]);
        Assert.Contains(errors, e => e.Kind == BindErrorKind.UndeclaredParameter && e.Message.Contains("@companyId", StringComparison.Ordinal));
    }

    [Fact]
    public void BindingSites_ProviderNeutralCommandText_IsFollowed()
    {
        // The shape a provider-neutral store takes: DbConnection.CreateCommand, CommandText from a dialect's statement
        // property (an override), parameters through a helper that takes the command.
        const string Source = """
            using System.Data.Common;

            namespace Fake;

            internal abstract class Statements
            {
                public abstract string GetKey { get; }
            }

            internal sealed class SqlServerStatements : Statements
            {
                public override string GetKey => Queries.GetKey;
            }

            internal static class Queries
            {
                public const string GetKey = "SELECT [TokenId] FROM [InvoiceOcr].[TokenMaster] WHERE [TokenId] = @id AND [CompanyId] = @companyId;";
            }

            internal sealed class Store(DbConnection connection, Statements statements)
            {
                public void Get(string id, long companyId)
                {
                    using var command = connection.CreateCommand();
                    command.CommandText = statements.GetKey;
                    Bind(command, id, companyId);
                }

                private static void Bind(DbCommand command, string id, long companyId)
                {
                    Add(command, "id", id);
                    Add(command, "companyId", companyId);
                }

                private static void Add(DbCommand command, string name, object? value)
                {
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = "@" + name;
                    parameter.Value = value;
                    command.Parameters.Add(parameter);
                }
            }
            """;
        const string Sql = "SELECT [TokenId] FROM [InvoiceOcr].[TokenMaster] WHERE [TokenId] = @id AND [CompanyId] = @companyId;";
        var (_, sites) = SqlBindingSites.Analyze([("Store.cs", Source)], new HashSet<string>([Sql], StringComparer.Ordinal));

        var site = Assert.Single(sites);
        var errors = Binder.Value.Bind(TSqlBinder.Parse(Sql), site.Parameters);

        Assert.Equal(["@companyId", "@id"], site.Parameters.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("System.Int64", site.Parameters["@companyId"]);
        Assert.Contains(errors, e => e.Kind == BindErrorKind.TypeMismatch && e.Message.Contains("@companyId", StringComparison.Ordinal));
    }

    [Fact]
    public void Parser_InvalidSyntax_IsReported()
    {
        Assert.Throws<InvalidOperationException>(() => TSqlBinder.Parse("SELEC [TokenId] FROM [InvoiceOcr].[TokenMaster];"));
    }
}
