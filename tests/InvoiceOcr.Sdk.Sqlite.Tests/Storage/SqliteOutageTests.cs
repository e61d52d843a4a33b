using System.Collections.Concurrent;
using System.Globalization;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Data.Sqlite;

namespace InvoiceOcr.Sdk.Sqlite.Tests.Storage;

/// <summary>The database file disappears mid-run and comes back: every acknowledged usage record ends up in the ledger exactly once.</summary>
public sealed class SqliteOutageTests : IDisposable
{
    private readonly TestDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task UsageLogger_DatabaseUnavailableMidRunThenBack_EveryRecordPresentExactlyOnce()
    {
        // No pooling, so a moved file really is unreachable for the next connection.
        var store = await _database.CreateStoreAsync(configure: o => o.Pooling = false);
        var logger = new DurableUsageLogger(store, new DurableUsageLoggerOptions
        {
            OutboxDirectory = _database.DatabasePath + ".outbox",
            ReplayInterval = TimeSpan.FromMilliseconds(100),
        });
        var acked = new ConcurrentBag<string>();
        var next = -1;
        const int total = 600;
        var outageStarted = new TaskCompletionSource();
        var outageEnded = new TaskCompletionSource();

        async Task WriterAsync()
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < total)
            {
                if (i == 200)
                {
                    outageStarted.TrySetResult();
                }

                if (i == 400)
                {
                    await outageEnded.Task;
                }

                var id = "u-" + i.ToString(CultureInfo.InvariantCulture);
                await logger.LogUsageAsync(Record(id), Ct);
                acked.Add(id);
            }
        }

        var writers = Enumerable.Range(0, 16).Select(_ => Task.Run(WriterAsync)).ToArray();
        await outageStarted.Task;
        var moved = _database.DatabasePath + ".away";
        File.Move(_database.DatabasePath, moved);
        while (logger.UsageRecordsDiverted < 50 && writers.Any(w => !w.IsCompleted))
        {
            await Task.Delay(20, Ct);
        }

        File.Move(moved, _database.DatabasePath);
        outageEnded.TrySetResult();
        await Task.WhenAll(writers);
        await logger.ReplayOutboxAsync(Ct);
        await logger.DisposeAsync();

        Assert.True(logger.UsageRecordsDiverted >= 50, "The outage did not divert records to the outbox.");
        Assert.Equal(total, acked.Count);
        await using var connection = new SqliteConnection($"Data Source={_database.DatabasePath};Pooling=False");
        await connection.OpenAsync(Ct);
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*), COUNT(DISTINCT UsageId), SUM(TotalTokens) FROM TokenUsageLogs;";
        using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct));
        Assert.Equal(total, reader.GetInt64(0));
        Assert.Equal(total, reader.GetInt64(1));
        Assert.Equal(total * 120L, reader.GetInt64(2));
        Assert.Empty(Directory.EnumerateFiles(_database.DatabasePath + ".outbox", "*.jsonl", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task AppendAsync_DatabaseFileMissing_ThrowsStoreUnavailable()
    {
        var store = await _database.CreateStoreAsync(configure: o => o.Pooling = false);
        File.Move(_database.DatabasePath, _database.DatabasePath + ".away");

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => store.AppendAsync(Record("x"), Ct));

        Assert.Equal(InvoiceOcrErrorKind.StoreUnavailable, error.Kind);
        Assert.False(File.Exists(_database.DatabasePath), "The store must never silently re-create a missing database.");
    }

    [Fact]
    public async Task KeepAsync_DatabaseFileMissing_KeepsTheJournalEntryOnDiskAndTheReplayJournalsItOnce()
    {
        var store = await _database.CreateStoreAsync(configure: o => o.Pooling = false);
        var outbox = _database.DatabasePath + ".outbox";
        var logger = new DurableUsageLogger(store, new DurableUsageLoggerOptions { OutboxDirectory = outbox, ReplayInterval = TimeSpan.FromHours(1) });
        var started = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        var entry = new AttemptJournalEntry
        {
            AttemptId = "a-1",
            OperationId = "op-1",
            CompanyId = "c-1",
            KeyId = "k-1",
            EstimatedTokens = 900,
            AttemptNumber = 1,
            StartedAt = started,
            ExpiresAt = started.AddMinutes(10),
        };
        File.Move(_database.DatabasePath, _database.DatabasePath + ".away");
        await Assert.ThrowsAsync<InvoiceOcrException>(() => store.BeginAttemptAsync(entry, Ct));

        await logger.KeepAsync(entry, Ct);
        Assert.Single(Directory.EnumerateFiles(Path.Combine(outbox, "journal"), "*.jsonl"));
        File.Move(_database.DatabasePath + ".away", _database.DatabasePath);
        Assert.Equal(1, await logger.ReplayOutboxAsync(Ct));
        Assert.Equal(0, await logger.ReplayOutboxAsync(Ct));
        await logger.DisposeAsync();

        // Replayed without an ending: an in-flight attempt, resolved as outcome-unknown and named.
        var unknown = Assert.Single(await store.ResolveInFlightAttemptsAsync(started.AddSeconds(1), Ct));
        Assert.Equal(("a-1", "op-1", 900L), (unknown.AttemptId, unknown.OperationId, unknown.ChargedTokens));
        Assert.Equal(1, logger.JournalEntriesDiverted);
        Assert.Empty(Directory.EnumerateFiles(outbox, "*.jsonl", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task KeepEndingAsync_ErrorAnswerWhileTheDatabaseIsGone_TheReplayEndsTheAttemptAsNotBilled()
    {
        var store = await _database.CreateStoreAsync(configure: o => o.Pooling = false);
        var outbox = _database.DatabasePath + ".outbox";
        var logger = new DurableUsageLogger(store, new DurableUsageLoggerOptions { OutboxDirectory = outbox, ReplayInterval = TimeSpan.FromHours(1) });
        var started = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);
        File.Move(_database.DatabasePath, _database.DatabasePath + ".away");

        await logger.KeepAsync(
            new AttemptJournalEntry { AttemptId = "a-1", OperationId = "op-1", CompanyId = "c-1", KeyId = "k-1", EstimatedTokens = 900, AttemptNumber = 1, StartedAt = started, ExpiresAt = started.AddMinutes(10) },
            Ct);
        await logger.KeepEndingAsync(new AttemptEnding("a-1", AttemptResult.NotBilled), Ct);
        File.Move(_database.DatabasePath + ".away", _database.DatabasePath);
        Assert.Equal(2, await logger.ReplayOutboxAsync(Ct));
        await logger.DisposeAsync();

        // Ended as not billed: nothing in flight to resolve, nothing charged.
        Assert.Empty(await store.ResolveInFlightAttemptsAsync(started.AddHours(1), Ct));
        Assert.Empty(await store.ListUnknownOutcomeAttemptsAsync(null, Ct));
        Assert.Empty(Directory.EnumerateFiles(outbox, "*.jsonl", SearchOption.AllDirectories));
    }

    internal static UsageRecord Record(string id) => new()
    {
        Id = id,
        OperationId = id,
        CompanyId = "c-1",
        KeyId = "k-1",
        Model = "gemini-2.5-flash",
        InputTokens = 100,
        OutputTokens = 20,
        TotalTokens = 120,
        StartedAt = new DateTimeOffset(2026, 11, 23, 10, 0, 0, TimeSpan.Zero),
        CompletedAt = new DateTimeOffset(2026, 11, 23, 10, 0, 1, TimeSpan.Zero),
    };
}
