using Microsoft.Data.Sqlite;

namespace InvoiceOcr.Sdk.Sqlite.Tests.Schema;

public sealed class SqliteMigratorTests : IDisposable
{
    private readonly TestDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task InitializeAsync_ConcurrentAndRepeated_AppliesEachMigrationOnce()
    {
        var stores = Enumerable.Range(0, 4).Select(_ => new SqliteInvoiceOcrStore(_database.Options())).ToList();

        await Task.WhenAll(stores.Select(s => Task.Run(() => s.InitializeAsync(Ct))));
        await stores[0].InitializeAsync(Ct);

        Assert.Equal(SqliteStoreSchema.CurrentVersion, await ScalarAsync("SELECT COUNT(*) FROM SchemaVersion;"));
        Assert.Equal(SqliteStoreSchema.CurrentVersion, await ScalarAsync("SELECT MAX(Version) FROM SchemaVersion;"));
    }

    [Fact]
    public async Task InitializeAsync_NewerSchema_RefusesToRun()
    {
        var store = await _database.CreateStoreAsync();
        await ExecuteAsync("INSERT INTO SchemaVersion (Version, Description, AppliedAtUtc) VALUES (999, 'future', '2030-01-01 00:00:00.0000000');");

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => store.InitializeAsync(Ct));

        Assert.Contains("newer than this package", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InstallScript_RunByHand_CreatesTheCurrentSchemaAndViews()
    {
        await ExecuteAsync(SqliteStoreSchema.GetInstallScript(), create: true);
        await ExecuteAsync(SqliteStoreSchema.GetInstallScript());

        Assert.Equal(SqliteStoreSchema.CurrentVersion, await ScalarAsync("SELECT MAX(Version) FROM SchemaVersion;"));
        foreach (var view in (string[])["vw_TokenStatus", "vw_UsageSummary", "vw_RecentErrors", "vw_FailedRetries"])
        {
            Assert.Equal(0, await ScalarAsync($"SELECT COUNT(*) FROM {view};"));
        }

        // The store accepts a hand-installed schema as current.
        var store = new SqliteInvoiceOcrStore(_database.Options());
        await store.InitializeAsync(Ct);
        Assert.Equal(SqliteStoreSchema.CurrentVersion, await ScalarAsync("SELECT COUNT(*) FROM SchemaVersion;"));
    }

    [Fact]
    public async Task Views_AfterUsage_ShowMaskedSecretsSummariesAndFailedRetries()
    {
        var store = await _database.CreateStoreAsync();
        await store.AddAsync(new ApiKey { Id = "k-1", CompanyId = "c-1", ProjectId = "p-1", Secret = "test-key-views-0123456789", LifetimeTokenLimit = 1000 }, Ct);
        await store.AppendAsync(Storage.SqliteOutageTests.Record("u-1") with { OperationId = "op-ok" }, Ct);
        await store.AppendAsync(new RetryAttemptRecord { OperationId = "op-failed", AttemptNumber = 1, CompanyId = "c-1", KeyId = "k-1", ErrorKind = InvoiceOcrErrorKind.ServerError }, Ct);
        await store.AppendAsync(new RetryAttemptRecord { OperationId = "op-ok", AttemptNumber = 1, CompanyId = "c-1", KeyId = "k-1", ErrorKind = InvoiceOcrErrorKind.Timeout }, Ct);

        Assert.Equal("test…6789", await TextAsync("SELECT SecretMasked FROM vw_TokenStatus WHERE TokenId = 'k-1';"));
        Assert.Equal("Active", await TextAsync("SELECT StatusName FROM vw_TokenStatus WHERE TokenId = 'k-1';"));
        Assert.Equal(120, await ScalarAsync("SELECT TotalTokens FROM vw_UsageSummary WHERE TokenId = 'k-1';"));
        Assert.Equal("op-failed", await TextAsync("SELECT OperationId FROM vw_FailedRetries;"));
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM TokenMaster WHERE CAST(SecretCiphertext AS TEXT) LIKE '%test-key%';"));
    }

    [Fact]
    public async Task InitializeAsync_DatabaseBeforeFewerPages_KeepsEveryRowOfTheRebuiltTables()
    {
        // The schema as the migration before 0010_FewerPages left it: the install script up to that migration.
        var script = SqliteStoreSchema.GetInstallScript();
        var fewerPages = script.LastIndexOf('\n', script.IndexOf("_FewerPages", StringComparison.Ordinal)) + 1;
        await ExecuteAsync(script[..fewerPages] + "COMMIT;", create: true);
        await ExecuteAsync(
            "INSERT INTO Operations (OperationId, CompanyId, DocumentSha256, State, ClaimedUntilUtc, AttemptCount, OutcomeJson, FailureKind, CreatedAtUtc, CompletedAtUtc) VALUES " +
            "('op-1', 'c-1', 'sha-1', 1, '2026-12-01 10:00:00.0000000', 2, '{\"x\":1}', NULL, '2026-12-01 09:59:00.0000000', '2026-12-01 10:00:01.0000000'), " +
            "('op-2', 'c-2', NULL, 0, '2026-12-01 10:05:00.0000000', 1, NULL, NULL, '2026-12-01 10:04:00.0000000', NULL);" +
            "INSERT INTO OperationAttempts (AttemptId, OperationId, AttemptNumber, CompanyId, TokenId, ProjectId, ReservationId, EstimatedTokens, State, StartedAtUtc, ExpiresAtUtc, EndedAtUtc, EstimatedInputTokens) VALUES " +
            "('a-1', 'op-1', 1, 'c-1', 'k-1', 'p-1', 'r-1', 100, 2, '2026-12-01 09:59:01.0000000', '2026-12-01 10:09:01.0000000', '2026-12-01 10:00:00.0000000', 75), " +
            "('a-2', 'op-1', 2, 'c-1', 'k-1', NULL, NULL, 90, 1, '2026-12-01 09:59:30.0000000', '2026-12-01 10:09:30.0000000', '2026-12-01 10:00:01.0000000', NULL), " +
            "('a-3', 'op-2', 1, 'c-2', 'k-2', 'p-2', 'r-3', 80, 0, '2026-12-01 10:04:01.0000000', '2026-12-01 10:14:01.0000000', NULL, 60);" +
            "INSERT INTO QuotaReservations (ReservationId, TokenId, CompanyId, ProjectId, Tokens, MinuteWindowStartUtc, DayWindowStartUtc, CreatedAtUtc, ExpiresAtUtc, InputTokens) VALUES " +
            "('r-3', 'k-2', 'c-2', 'p-2', 80, '2026-12-01 10:04:01.0000000', '2026-12-01', '2026-12-01 10:04:01.0000000', '2026-12-01 10:14:01.0000000', 60), " +
            "('r-4', 'k-2', 'c-2', 'p-2', 70, '2026-12-01 10:04:02.0000000', '2026-12-01', '2026-12-01 10:04:02.0000000', '2026-12-01 10:14:02.0000000', NULL);" +
            "INSERT INTO TokenUsageLogs (Id, UsageId, OperationId, Attempt, CompanyId, Branch, UserId, TokenId, ProjectId, Model, ResponseId, FileName, InputTokens, OutputTokens, " +
            "TextTokens, ImageTokens, DocumentTokens, CachedTokens, ThoughtsTokens, ToolUseTokens, TotalTokens, RequestCount, Outcome, FailureKind, StartedAtUtc, CompletedAtUtc, " +
            "UsageDate, UsageMetadataJson, RecordedAtUtc, CostNanos, Currency, ServiceTier) VALUES " +
            "(5, 'a-2', 'op-1', 2, 'c-1', 'north', 'bob', 'k-1', 'p-1', 'gemini-2.5-flash', 'resp-2', 'a.pdf', 70, 20, 10, 0, 60, 5, 3, 0, 93, 1, 0, NULL, " +
            "'2026-12-01 09:59:30.0000000', '2026-12-01 10:00:01.0000000', '2026-12-01', '{\"promptTokenCount\":70}', '2026-12-01 10:00:01.0000000', 1234, 'USD', 1), " +
            "(9, 'u-9', 'op-9', 1, 'c-2', NULL, NULL, 'k-2', NULL, 'gemini-2.5-pro', NULL, NULL, 1, 0, 1, 0, 0, 0, 0, 0, 1, 1, 1, 'Timeout', " +
            "'2026-12-01 11:00:00.0000000', '2026-12-01 11:00:01.0000000', '2026-12-01', NULL, '2026-12-01 11:00:01.0000000', NULL, NULL, 0);" +
            "INSERT INTO RetryAttempts (OperationId, AttemptNumber, CompanyId, TokenId, ErrorKind, HttpStatus, DelayTicks, IsFailover, OccurredAtUtc, RecordedAtUtc) VALUES " +
            "('op-9', 1, 'c-2', 'k-2', 'Timeout', NULL, 0, 0, '2026-12-01 11:00:00.0000000', '2026-12-01 11:00:00.0000000');");
        string[] tables = ["Operations ORDER BY OperationId", "OperationAttempts ORDER BY AttemptId", "QuotaReservations ORDER BY ReservationId", "TokenUsageLogs ORDER BY Id"];
        var before = new List<string>();
        foreach (var table in tables)
        {
            before.AddRange(await RowsAsync($"SELECT * FROM {table};"));
        }

        await new SqliteInvoiceOcrStore(_database.Options()).InitializeAsync(Ct);

        var after = new List<string>();
        foreach (var table in tables)
        {
            after.AddRange(await RowsAsync($"SELECT * FROM {table};"));
        }

        Assert.Equal(SqliteStoreSchema.CurrentVersion, await ScalarAsync("SELECT MAX(Version) FROM SchemaVersion;"));
        Assert.Equal(9, before.Count);
        Assert.Equal(before, after); // Every row, every column, in the same column order.
        foreach (var table in (string[])["Operations", "OperationAttempts", "QuotaReservations"])
        {
            Assert.Contains("WITHOUT ROWID", await TextAsync($"SELECT sql FROM sqlite_master WHERE type = 'table' AND name = '{table}';"), StringComparison.Ordinal);
        }

        // TokenUsageLogs keeps its ids and no longer has a sqlite_sequence row to write; the view over it works again.
        Assert.Equal(0, await ScalarAsync("SELECT COUNT(*) FROM sqlite_sequence WHERE name = 'TokenUsageLogs';"));
        Assert.Equal("op-9", await TextAsync("SELECT OperationId FROM vw_FailedRetries;"));
        var indexes = await RowsAsync("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN ('OperationAttempts', 'QuotaReservations') AND sql IS NOT NULL ORDER BY name;");
        Assert.Equal(["IX_OperationAttempts_InFlight", "IX_OperationAttempts_OutcomeUnknown"], indexes);
    }

    private async Task<List<string>> RowsAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_database.DatabasePath};Pooling=False");
        await connection.OpenAsync(Ct);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(Ct);
        var rows = new List<string>();
        while (await reader.ReadAsync(Ct))
        {
            var values = new object[reader.FieldCount];
            reader.GetValues(values);
            rows.Add(string.Join('|', values.Select(v => v is DBNull ? "NULL" : Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture))));
        }

        return rows;
    }

    private async Task<long> ScalarAsync(string sql) => Convert.ToInt64(await QueryAsync(sql), System.Globalization.CultureInfo.InvariantCulture);

    private async Task<string> TextAsync(string sql) => (string)(await QueryAsync(sql))!;

    private async Task<object?> QueryAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={_database.DatabasePath};Pooling=False");
        await connection.OpenAsync(Ct);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync(Ct);
    }

    private async Task ExecuteAsync(string sql, bool create = false)
    {
        var mode = create ? "ReadWriteCreate" : "ReadWrite";
        await using var connection = new SqliteConnection($"Data Source={_database.DatabasePath};Mode={mode};Pooling=False");
        await connection.OpenAsync(Ct);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(Ct);
    }
}
