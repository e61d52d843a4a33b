using System.Security.Cryptography;
using System.Text;
using InvoiceOcr.Emulator;
using InvoiceOcr.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace InvoiceOcr.Sdk.Sqlite.Tests.EndToEnd;

/// <summary>
/// An idempotent extraction whose earlier success is still in the durable outbox (a killed run left it, and the
/// start-up replay could not run) must not call the model again: the ledger does not show the record until it is
/// replayed, so the replay check replays first.
/// </summary>
public sealed class SqliteIdempotentReplayTests
{
    private const string Secret = "test-key-sqlite-idem-0001";

    [Fact]
    public async Task ExtractAsync_EarlierSuccessStillInTheOutbox_ReplaysItAndDoesNotCallTheModelAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        using var database = new TestDatabase();
        var emulatorOptions = new GeminiEmulatorOptions();
        emulatorOptions.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-key", Project = "project-a" });
        await using var emulator = await GeminiEmulator.StartAsync(emulatorOptions, cancellationToken: ct);

        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddInvoiceOcr(o =>
        {
            o.Gemini.BaseAddress = emulator.BaseAddress;
            o.EInvoiceMode = EInvoiceMode.ModelOnly;
        }).AddSqliteStore(database.DatabasePath, o =>
        {
            TestDatabase.Configure(o);
            o.OutboxReplayInterval = TimeSpan.FromHours(1); // the background replay must not hide the bug
        });
        using var host = builder.Build();
        await host.StartAsync(ct);
        await host.Services.GetRequiredService<IApiKeyStore>().AddAsync(
            new ApiKey { Id = "key-1", CompanyId = "acme", Secret = Secret, ProjectId = "project-a" }, ct);

        // What a killed process leaves: its successful attempt in the fsync'd outbox next to the database.
        var operationId = "idem-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("acme\ninv-2026-0042")).AsSpan(0, 16));
        await using (var deadRun = new DurableUsageLogger(new UnreachableLedger(), new DurableUsageLoggerOptions { OutboxDirectory = database.DatabasePath + ".outbox" }))
        {
            await deadRun.LogUsageAsync(
                new UsageRecord
                {
                    Id = UsageRecord.CreateId(operationId, 1),
                    OperationId = operationId,
                    CompanyId = "acme",
                    KeyId = "key-1",
                    ProjectId = "project-a",
                    Model = "gemini-2.5-flash",
                    InputTokens = 1_000,
                    OutputTokens = 200,
                    TotalTokens = 1_200,
                    ResponseId = "resp-of-the-dead-run",
                    StartedAt = DateTimeOffset.UtcNow,
                    CompletedAt = DateTimeOffset.UtcNow,
                    Outcome = UsageOutcome.Success,
                },
                ct);
            Assert.Equal(1, deadRun.UsageRecordsDiverted);
        }

        var document = await InvoiceDocument.FromFileAsync(SharedData.Invoice("zugferd/EN16931_Rabatte.pdf"), ct);
        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => host.Services.GetRequiredService<IInvoiceExtractor>().ExtractAsync(
            document, new ExtractionContext("acme") { IdempotencyKey = "inv-2026-0042" }, ct));
        await host.StopAsync(ct);

        Assert.Equal(InvoiceOcrErrorKind.DuplicateOperation, error.Kind);
        Assert.Equal("resp-of-the-dead-run", error.ResponseId);
        Assert.Empty(emulator.Ledger.Entries);
        await using var connection = new SqliteConnection($"Data Source={database.DatabasePath};Pooling=False");
        await connection.OpenAsync(ct);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM TokenUsageLogs";
        Assert.Equal(1L, await command.ExecuteScalarAsync(ct));
        Assert.DoesNotContain(Directory.EnumerateFiles(database.DatabasePath + ".outbox", "*", SearchOption.AllDirectories), f => new FileInfo(f).Length > 0);
        SqliteConnection.ClearAllPools();
    }

    /// <summary>The database of the dead run: unreachable, so its usage went to the outbox.</summary>
    private sealed class UnreachableLedger : IUsageLedgerBatchWriter
    {
        public Task<int> AppendBatchAsync(IReadOnlyList<UsageRecord> records, CancellationToken cancellationToken) =>
            throw new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, "The database is unreachable.");

        public Task<int> AppendRetryAttemptsAsync(IReadOnlyList<RetryAttemptRecord> records, CancellationToken cancellationToken) =>
            throw new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, "The database is unreachable.");
    }
}
