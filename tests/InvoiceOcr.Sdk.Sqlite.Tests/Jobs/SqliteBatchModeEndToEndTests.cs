using InvoiceOcr.Emulator;
using InvoiceOcr.TestSupport;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace InvoiceOcr.Sdk.Sqlite.Tests.Jobs;

/// <summary>A batch-mode job as a user hosts it: the SQLite store, the worker as a hosted service, the emulator's batch mode over real HTTP.</summary>
public sealed class SqliteBatchModeEndToEndTests
{
    private const string Secret = "test-key-sqlite-batch-0001";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task BatchModeJob_WithSqliteStore_CompletesWithOneBatchAndBatchTierLedgerRowsEqualToTheEmulatorsBilling()
    {
        using var database = new TestDatabase();
        var emulatorOptions = new GeminiEmulatorOptions { BatchTurnaround = TimeSpan.Zero };
        emulatorOptions.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-key", Project = "project-a" });
        await using var emulator = await GeminiEmulator.StartAsync(emulatorOptions, cancellationToken: Ct);

        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddInvoiceOcr(o =>
        {
            o.Gemini.BaseAddress = emulator.BaseAddress;
            o.EInvoiceMode = EInvoiceMode.ModelOnly;
        })
        .AddSqliteStore(database.DatabasePath, TestDatabase.Configure)
        .AddJobs(o =>
        {
            o.PollInterval = TimeSpan.FromMilliseconds(20);
            o.BatchPollInterval = TimeSpan.FromMilliseconds(20);
        });
        using var host = builder.Build();
        await host.StartAsync(Ct);

        await host.Services.GetRequiredService<IApiKeyStore>().AddAsync(new ApiKey { Id = "key-1", CompanyId = "acme", Secret = Secret, ProjectId = "project-a" }, Ct);
        var jobs = host.Services.GetRequiredService<IInvoiceJobs>();
        var job = await jobs.CreateJobAsync(new InvoiceJobRequest("acme") { UseBatchMode = true }, Ct);
        string[] files = ["zugferd/EN16931_Einfach.pdf", "zugferd/EN16931_Rabatte.pdf", "zugferd/XRECHNUNG_Einfach.pdf"];
        await jobs.AddDocumentsAsync(job.JobId, files.Select(f => InvoiceJobDocument.FromFile(SharedData.Invoice(f))), Ct);

        // The hosted worker runs on its own; wait for the job to end (the deadline only bounds a broken run).
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromMinutes(2));
        while ((await jobs.GetStatusAsync(job.JobId, deadline.Token))!.State is not (InvoiceJobState.Completed or InvoiceJobState.Failed or InvoiceJobState.PartiallyProcessed))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
        }

        await host.StopAsync(Ct);

        Assert.Equal(InvoiceJobState.Completed, (await jobs.GetStatusAsync(job.JobId, Ct))!.State);
        var batch = Assert.Single(await host.Services.GetRequiredService<IInvoiceJobStore>().ListBatchesAsync(job.JobId, Ct));
        Assert.Equal((InvoiceJobBatchState.Completed, 3), (batch.State, batch.ItemCount));
        Assert.Equal(3, emulator.Ledger.Entries.Count);
        Assert.All(emulator.Ledger.Entries, e => Assert.Equal("batch", e.ServiceTier));
        await using var connection = new SqliteConnection($"Data Source={database.DatabasePath};Pooling=False");
        await connection.OpenAsync(Ct);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT COUNT(*), SUM(TotalTokens), MIN(ServiceTier), MAX(ServiceTier) FROM TokenUsageLogs";
            await using var reader = await command.ExecuteReaderAsync(Ct);
            Assert.True(await reader.ReadAsync(Ct));
            Assert.Equal(3, reader.GetInt64(0));
            Assert.Equal(emulator.Ledger.Entries.Sum(e => (long)e.TotalTokenCount), reader.GetInt64(1));
            Assert.Equal((1L, 1L), (reader.GetInt64(2), reader.GetInt64(3)));
        }

        SqliteConnection.ClearAllPools();
    }
    [Fact]
    public async Task BatchModeJobWithFallback_BatchExpiresAfterOneRequest_TheAnsweredItemKeepsItsBatchAnswerAndTheRestRunInteractivelyBilledOnceEach()
    {
        using var database = new TestDatabase();
        var emulatorOptions = new GeminiEmulatorOptions { BatchTurnaround = TimeSpan.Zero };
        emulatorOptions.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-key", Project = "project-a" });
        await using var emulator = await GeminiEmulator.StartAsync(emulatorOptions, cancellationToken: Ct);
        emulator.EndNextBatch(new EmulatorBatchEnd { State = EmulatorBatchEndState.Expired, CompletedRequests = 1 });

        var builder = Host.CreateApplicationBuilder();
        builder.Services.AddInvoiceOcr(o =>
        {
            o.Gemini.BaseAddress = emulator.BaseAddress;
            o.EInvoiceMode = EInvoiceMode.ModelOnly;
        })
        .AddSqliteStore(database.DatabasePath, TestDatabase.Configure)
        .AddJobs(o =>
        {
            o.PollInterval = TimeSpan.FromMilliseconds(20);
            o.BatchPollInterval = TimeSpan.FromMilliseconds(20);
        });
        using var host = builder.Build();
        await host.StartAsync(Ct);

        await host.Services.GetRequiredService<IApiKeyStore>().AddAsync(new ApiKey { Id = "key-1", CompanyId = "acme", Secret = Secret, ProjectId = "project-a" }, Ct);
        var jobs = host.Services.GetRequiredService<IInvoiceJobs>();
        var job = await jobs.CreateJobAsync(new InvoiceJobRequest("acme") { UseBatchMode = true, FallbackToInteractive = true }, Ct);
        string[] files = ["zugferd/EN16931_Einfach.pdf", "zugferd/EN16931_Rabatte.pdf", "zugferd/XRECHNUNG_Einfach.pdf"];
        await jobs.AddDocumentsAsync(job.JobId, files.Select(f => InvoiceJobDocument.FromFile(SharedData.Invoice(f))), Ct);

        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromMinutes(2));
        while ((await jobs.GetStatusAsync(job.JobId, deadline.Token))!.State is not (InvoiceJobState.Completed or InvoiceJobState.Failed or InvoiceJobState.PartiallyProcessed))
        {
            await Task.Delay(TimeSpan.FromMilliseconds(50), deadline.Token);
        }

        await host.StopAsync(Ct);

        Assert.True((await jobs.GetStatusAsync(job.JobId, Ct))!.Job.FallbackToInteractive);
        Assert.Equal(InvoiceJobState.Completed, (await jobs.GetStatusAsync(job.JobId, Ct))!.State);
        var items = (await jobs.ListItemsAsync(new InvoiceJobItemQuery(job.JobId), Ct)).Items;
        Assert.Equal(2, items.Count(i => i.InteractiveFallback));
        foreach (var item in items)
        {
            var history = await jobs.ListTransitionsAsync(item.ItemId, Ct);
            Assert.True(InvoiceJobTransitions.IsValidPath(history));
            Assert.Single(history, t => InvoiceJobTransitions.IsTerminal(t.To));
            Assert.Equal(item.InteractiveFallback, history.Any(t => (t.Reason ?? string.Empty).EndsWith("falls back to an interactive call", StringComparison.Ordinal)));
        }

        // The ledger equals the emulator's billing per key and tier: one batch request, two interactive calls.
        var billed = emulator.Ledger.Entries.GroupBy(e => (e.KeyId, e.ServiceTier)).ToDictionary(g => g.Key.ServiceTier == "batch" ? 1L : 0L, g => (Count: (long)g.Count(), Tokens: g.Sum(e => (long)e.TotalTokenCount)));
        Assert.Equal([0L, 1L], billed.Keys.Order());
        Assert.Equal((1L, 2L), (billed[1].Count, billed[0].Count));
        await using var connection = new SqliteConnection($"Data Source={database.DatabasePath};Pooling=False");
        await connection.OpenAsync(Ct);
        await using (var command = connection.CreateCommand())
        {
            command.CommandText = "SELECT ServiceTier, TokenId, COUNT(*), SUM(TotalTokens) FROM TokenUsageLogs GROUP BY ServiceTier, TokenId ORDER BY ServiceTier";
            await using var reader = await command.ExecuteReaderAsync(Ct);
            var rows = new Dictionary<long, (long Count, long Tokens)>();
            while (await reader.ReadAsync(Ct))
            {
                Assert.Equal("key-1", reader.GetString(1));
                rows[reader.GetInt64(0)] = (reader.GetInt64(2), reader.GetInt64(3));
            }

            Assert.Equal(billed.OrderBy(p => p.Key).Select(p => (p.Key, p.Value.Count, p.Value.Tokens)), rows.OrderBy(p => p.Key).Select(p => (p.Key, p.Value.Count, p.Value.Tokens)));
        }

        SqliteConnection.ClearAllPools();
    }
}
