using InvoiceOcr.Emulator;
using InvoiceOcr.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace InvoiceOcr.Sdk.Sqlite.Tests.EndToEnd;

/// <summary>The SDK as a user hosts it: the SQLite store migrated at start-up, the emulator over real HTTP.</summary>
public sealed class SqliteExtractionEndToEndTests
{
    private const string Secret = "test-key-sqlite-e2e-0001";

    [Fact]
    public async Task ExtractAsync_WithSqliteStore_LedgerRowEqualsTheEmulatorsBillingAndTheSecretIsEncrypted()
    {
        using var database = new TestDatabase();
        var emulatorOptions = new GeminiEmulatorOptions();
        emulatorOptions.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-key", Project = "project-a" });
        await using var emulator = await GeminiEmulator.StartAsync(emulatorOptions, cancellationToken: TestContext.Current.CancellationToken);

        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddInvoiceOcr(o =>
        {
            o.Gemini.BaseAddress = emulator.BaseAddress;
            o.EInvoiceMode = EInvoiceMode.ModelOnly;
        }).AddSqliteStore(database.DatabasePath, TestDatabase.Configure);
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);

        var keys = host.Services.GetRequiredService<IApiKeyStore>();
        await keys.AddAsync(new ApiKey { Id = "key-1", CompanyId = "acme", Secret = Secret, ProjectId = "project-a", LifetimeTokenLimit = 1_000_000 }, TestContext.Current.CancellationToken);
        var document = await InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/EN16931_Rabatte.pdf"), TestContext.Current.CancellationToken);

        var result = await host.Services.GetRequiredService<IInvoiceExtractor>().ExtractAsync(
            document, new ExtractionContext("acme") { RequestedBy = "bob", Branch = "'); DROP TABLE TokenMaster;--" }, TestContext.Current.CancellationToken);
        await host.StopAsync(TestContext.Current.CancellationToken);

        var billed = Assert.Single(emulator.Ledger.Entries);
        Assert.Equal(billed.ResponseId, result.ResponseId);
        await using var connection = new SqliteConnection($"Data Source={database.DatabasePath};Pooling=False");
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT COUNT(*), MAX(TotalTokens), MAX(InputTokens), MAX(ResponseId), MAX(Branch) FROM TokenUsageLogs";
            await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
            Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
            Assert.Equal(1, reader.GetInt64(0));
            Assert.Equal(billed.TotalTokenCount, reader.GetInt64(1));
            Assert.Equal(billed.PromptTokenCount, reader.GetInt64(2));
            Assert.Equal(billed.ResponseId, reader.GetString(3));
            Assert.Equal("'); DROP TABLE TokenMaster;--", reader.GetString(4));
        }

        var fileText = System.Text.Encoding.Latin1.GetString(await File.ReadAllBytesAsync(database.DatabasePath, TestContext.Current.CancellationToken));
        Assert.DoesNotContain(Secret, fileText, StringComparison.Ordinal);
        SqliteConnection.ClearAllPools();
    }

    [Fact]
    public async Task ExtractAsync_OneModelCall_CommitsTwoWriteTransactionsAndOneFsync()
    {
        using var database = new TestDatabase();
        var emulatorOptions = new GeminiEmulatorOptions();
        emulatorOptions.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-key", Project = "project-a" });
        await using var emulator = await GeminiEmulator.StartAsync(emulatorOptions, cancellationToken: TestContext.Current.CancellationToken);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddInvoiceOcr(o =>
        {
            o.Gemini.BaseAddress = emulator.BaseAddress;
            o.EInvoiceMode = EInvoiceMode.ModelOnly;
            o.KeyPool.ReservationReclaimInterval = TimeSpan.FromHours(1); // No background pass commits during the call.
        }).AddSqliteStore(database.DatabasePath, o =>
        {
            TestDatabase.Configure(o);
            // No retention pass commits during the call (its first pass runs at start-up, on its own schedule).
            o.Retention.ApplicationLogs = null;
            o.Retention.RetryAttempts = null;
        });
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        await host.Services.GetRequiredService<IApiKeyStore>().AddAsync(
            new ApiKey { Id = "key-1", CompanyId = "acme", Secret = Secret, ProjectId = "project-a" }, TestContext.Current.CancellationToken);
        var document = await InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/EN16931_Rabatte.pdf"), TestContext.Current.CancellationToken);
        var store = host.Services.GetRequiredService<SqliteInvoiceOcrStore>();
        var commits = new System.Collections.Concurrent.ConcurrentQueue<long>();
        store.Committing = (connection, transaction) =>
        {
            using var pragma = connection.CreateCommand();
            pragma.Transaction = transaction;
            pragma.CommandText = "PRAGMA synchronous;";
            commits.Enqueue((long)pragma.ExecuteScalar()!);
        };

        await host.Services.GetRequiredService<IInvoiceExtractor>().ExtractAsync(
            document, new ExtractionContext("acme") { IdempotencyKey = "order-42" }, TestContext.Current.CancellationToken);
        store.Committing = null;
        await host.StopAsync(TestContext.Current.CancellationToken);

        // The operation's claim with the quota reservation and the attempt's journal entry (the idempotency key's check before
        // it is a read), and the attempt ending (ledger row + settlement + the attempt's and the operation's completion, the
        // only FULL commit: one fsync of the write-ahead log). The first commits NORMAL: it survives the process being killed,
        // and the FULL commit makes it power-loss durable too.
        Assert.Single(emulator.Ledger.Entries);
        Assert.Equal(2, commits.Count);
        Assert.Equal(1, commits.Count(level => level == 2));
        SqliteConnection.ClearAllPools();
    }
}
