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

    /// <summary>
    /// The write-ahead-log frames (pages written) a call's two write transactions may write together: 18.0 measured since
    /// migration 0010 (6 for the claim, 11-12 for the billed ending; 27.8 before it). The ledger's fsync flushes every one.
    /// </summary>
    private const int MaxFramesPerCall = 20;

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

    [Fact]
    public async Task ExtractAsync_ManyModelCalls_WritesAtMostTheBudgetedWalFramesPerCall()
    {
        const int Calls = 20;
        using var database = new TestDatabase();
        var emulatorOptions = new GeminiEmulatorOptions();
        emulatorOptions.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-key", Project = "project-a" });
        await using var emulator = await GeminiEmulator.StartAsync(emulatorOptions, cancellationToken: TestContext.Current.CancellationToken);
        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddInvoiceOcr(o =>
        {
            o.Gemini.BaseAddress = emulator.BaseAddress;
            o.EInvoiceMode = EInvoiceMode.ModelOnly;
            o.KeyPool.ReservationReclaimInterval = TimeSpan.FromHours(1); // No background pass commits during the calls.
        }).AddSqliteStore(database.DatabasePath, o =>
        {
            TestDatabase.Configure(o);
            o.Retention.ApplicationLogs = null;
            o.Retention.RetryAttempts = null;
        });
        using var host = builder.Build();
        await host.StartAsync(TestContext.Current.CancellationToken);
        await host.Services.GetRequiredService<IApiKeyStore>().AddAsync(
            new ApiKey { Id = "key-1", CompanyId = "acme", Secret = Secret, ProjectId = "project-a", LifetimeTokenLimit = 100_000_000 }, TestContext.Current.CancellationToken);
        var document = await InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/EN16931_Rabatte.pdf"), TestContext.Current.CancellationToken);
        var extractor = host.Services.GetRequiredService<IInvoiceExtractor>();
        var store = host.Services.GetRequiredService<SqliteInvoiceOcrStore>();

        // Warm: the day's summary and window rows exist, as on every call but a day's first.
        for (var i = 0; i < 3; i++)
        {
            await extractor.ExtractAsync(document, new ExtractionContext("acme"), TestContext.Current.CancellationToken);
        }

        var wal = database.DatabasePath + "-wal";
        int pageSize;
        await using (var checkpoint = new SqliteConnection($"Data Source={database.DatabasePath};Pooling=False"))
        {
            await checkpoint.OpenAsync(TestContext.Current.CancellationToken);
            await using var command = checkpoint.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(TRUNCATE);";
            await using (var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken))
            {
                Assert.True(await reader.ReadAsync(TestContext.Current.CancellationToken));
                Assert.Equal(0, reader.GetInt64(0)); // Not busy: the log starts empty, so its size counts the frames written after.
            }

            command.CommandText = "PRAGMA page_size;";
            pageSize = Convert.ToInt32(await command.ExecuteScalarAsync(TestContext.Current.CancellationToken), System.Globalization.CultureInfo.InvariantCulture);
        }

        // The log's size before each commit: the difference between two is what one transaction wrote. Counted, not timed.
        long Frames() => new FileInfo(wal) is { Exists: true, Length: > 32 } file ? (file.Length - 32) / (pageSize + 24) : 0;
        var before = new System.Collections.Concurrent.ConcurrentQueue<long>();
        store.Committing = (_, _) => before.Enqueue(Frames());
        for (var i = 0; i < Calls; i++)
        {
            await extractor.ExtractAsync(document, new ExtractionContext("acme"), TestContext.Current.CancellationToken);
        }

        store.Committing = null;
        var total = Frames();
        await host.StopAsync(TestContext.Current.CancellationToken);

        var marks = before.Append(total).ToArray();
        var perTransaction = marks.Zip(marks.Skip(1), (a, b) => b - a).ToArray();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{total} WAL frames in {Calls} calls ({(double)total / Calls:0.0} per call); per transaction: {string.Join(' ', perTransaction)}");

        // No checkpoint restarted the log during the calls (the sizes only grow), so the count is every frame written.
        Assert.All(perTransaction, frames => Assert.True(frames > 0));
        Assert.Equal(2 * Calls, before.Count);
        Assert.True(total <= MaxFramesPerCall * Calls, $"{total} WAL frames in {Calls} calls: more than {MaxFramesPerCall} per call.");
        SqliteConnection.ClearAllPools();
    }
}
