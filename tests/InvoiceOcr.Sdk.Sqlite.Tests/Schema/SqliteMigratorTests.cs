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
