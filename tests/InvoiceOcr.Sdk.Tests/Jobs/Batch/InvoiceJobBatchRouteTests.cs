using System.Collections.Concurrent;
using System.Text;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk.Gemini;
using InvoiceOcr.Sdk.Jobs;
using InvoiceOcr.Sdk.Tests.EndToEnd;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.Tests.Jobs.Batch;

/// <summary>
/// The batch-mode route over real HTTP against the emulator's batch mode, driven round by round on a fake clock (the emulator
/// answers a batch after its turnaround on the same clock): results identical to the interactive route at the batch tier in both
/// ledgers, a lost submission answer found by display name (never submitted twice), a cancelled batch's items back to pending,
/// a per-request error on its item only, a full batch quota parking the items, and a batch that expires or fails part-way: its
/// returned answers complete their items, unrun requests fall back to interactive calls when the job allows it, and requests that
/// may have been billed without an answer end outcome-unknown and are never sent again by themselves.
/// </summary>
public sealed class InvoiceJobBatchRouteTests
{
    private const string Company = "company-batch";
    private const string Secret = "test-key-batch-0001";
    private const string Project = "project-b";

    // 02:00 PDT: Pacific midnight is 22 hours away.
    private static readonly DateTimeOffset Start = new(2026, 5, 4, 9, 0, 0, TimeSpan.Zero);

    private static readonly TimeSpan Turnaround = TimeSpan.FromMinutes(5);

    private static readonly string[] Files =
    [
        "zugferd/EN16931_Einfach.pdf", "zugferd/XRECHNUNG_Einfach.pdf", "zugferd/EN16931_Rabatte.pdf", "zugferd/EN16931_Miete.pdf",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<EmulatedSdk> StartAsync(FakeTimeProvider time, Action<InvoiceJobOptions>? jobs = null, long? batchEnqueuedTokens = null, DelegatingHandler? handler = null, Action<IServiceCollection>? configure = null)
    {
        var sdk = await EmulatedSdk.StartAsync(
            emulator =>
            {
                emulator.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-b", Project = Project });
                emulator.BatchTurnaround = Turnaround;
                if (batchEnqueuedTokens is { } limit)
                {
                    emulator.Projects[Project] = new EmulatorProjectOptions { BatchEnqueuedTokens = limit };
                }
            },
            options => options.EInvoiceMode = EInvoiceMode.ModelOnly,
            time,
            services =>
            {
                services.AddInvoiceOcr().AddJobs(o =>
                {
                    o.WorkerId = "worker-1";
                    o.Concurrency = 4;
                    o.RetryDelay = TimeSpan.FromSeconds(10);
                    o.BatchPollInterval = TimeSpan.FromMinutes(1);
                    jobs?.Invoke(o);
                });
                if (handler is not null)
                {
                    services.AddHttpClient(GeminiClient.HttpClientName).AddHttpMessageHandler(() => handler);
                }

                configure?.Invoke(services);
            });
        await sdk.AddKeyAsync(new ApiKey { Id = "key-b", CompanyId = Company, Secret = Secret, ProjectId = Project });
        return sdk;
    }

    private static IInvoiceJobs Jobs(EmulatedSdk sdk) => sdk.Services.GetRequiredService<IInvoiceJobs>();

    private static IInvoiceJobStore Store(EmulatedSdk sdk) => sdk.Services.GetRequiredService<IInvoiceJobStore>();

    private static InvoiceJobWorker Worker(EmulatedSdk sdk) => sdk.Services.GetRequiredService<InvoiceJobWorker>();

    private static async Task<InvoiceJob> SubmitAsync(EmulatedSdk sdk, int count, bool batchMode, string key, bool fallback = false)
    {
        var job = await Jobs(sdk).CreateJobAsync(new InvoiceJobRequest(Company) { RequestedBy = "alice", Branch = "Pune", UseBatchMode = batchMode, JobKey = key, FallbackToInteractive = fallback }, Ct);
        var added = await Jobs(sdk).AddDocumentsAsync(job.JobId, Files.Take(count).Select(f => InvoiceJobDocument.FromFile(SharedData.Invoice(f))), Ct);
        Assert.Equal(count, added.Added);
        return job;
    }

    private static async Task<List<InvoiceJobItem>> ItemsAsync(EmulatedSdk sdk, string jobId) =>
        [.. (await Jobs(sdk).ListItemsAsync(new InvoiceJobItemQuery(jobId), Ct)).Items];

    private static async Task DrainAsync(InvoiceJobWorker worker)
    {
        while (await worker.RunOnceAsync(Ct) > 0)
        {
        }
    }

    /// <summary>Lets the emulator finish the batch (its turnaround on the shared fake clock), then polls it.</summary>
    private static async Task FinishBatchesAsync(FakeTimeProvider time, InvoiceJobWorker worker)
    {
        time.Advance(Turnaround);
        await DrainAsync(worker);
    }

    private static async Task AssertValidPathsAsync(EmulatedSdk sdk, IEnumerable<InvoiceJobItem> items)
    {
        foreach (var item in items)
        {
            Assert.True(InvoiceJobTransitions.IsValidPath(await Jobs(sdk).ListTransitionsAsync(item.ItemId, Ct)), item.ItemId);
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunOnceAsync_SameJobThroughBatchMode_ResultsIdenticalToInteractiveAndBilledAtTheBatchTierInBothLedgers(bool asJsonlFile)
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time, o => o.BatchInlineLimitBytes = asJsonlFile ? 1024 : GeminiClient.InlineBatchLimitBytes);
        var worker = Worker(sdk);
        var interactive = await SubmitAsync(sdk, 4, batchMode: false, "interactive");
        await DrainAsync(worker);
        var batch = await SubmitAsync(sdk, 4, batchMode: true, "batch");
        await DrainAsync(worker);

        // Submitted, not answered yet: the items wait in the batch, billed nowhere.
        var waiting = await ItemsAsync(sdk, batch.JobId);
        Assert.All(waiting, i => Assert.Equal(InvoiceJobItemState.Processing, i.State));
        Assert.Equal(4, sdk.Emulator.Ledger.Entries.Count);
        var recorded = Assert.Single(await Store(sdk).ListBatchesAsync(batch.JobId, Ct));
        Assert.Equal((InvoiceJobBatchState.Submitted, 4), (recorded.State, recorded.ItemCount));

        await FinishBatchesAsync(time, worker);

        Assert.Equal(InvoiceJobState.Completed, (await Jobs(sdk).GetStatusAsync(batch.JobId, Ct))!.State);
        var byRoute = await ItemsAsync(sdk, interactive.JobId);
        var byBatch = await ItemsAsync(sdk, batch.JobId);
        Assert.Equal(byRoute.Select(i => (i.DocumentSha256, i.InvoiceJson, i.TotalTokens)), byBatch.Select(i => (i.DocumentSha256, i.InvoiceJson, i.TotalTokens)));
        Assert.All(byBatch, i => Assert.NotNull(i.ReadInvoice()?.InvoiceId));

        // Emulator billing: four standard calls, then four batch requests in one batch.
        var entries = sdk.Emulator.Ledger.Entries;
        Assert.Equal(["standard", "standard", "standard", "standard", "batch", "batch", "batch", "batch"], entries.Select(e => e.ServiceTier));
        Assert.All(entries.Skip(4), e => Assert.Equal("batchGenerateContent", e.Method));

        // SDK ledger: one row per billed request, at the same tier, costed at that tier's price.
        var prices = sdk.Services.GetRequiredService<PriceTable>();
        var rows = await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct);
        Assert.Equal(8, rows.Count);
        var batchRows = rows.Where(r => r.ServiceTier == ServiceTier.Batch).ToList();
        Assert.Equal(4, batchRows.Count);
        Assert.Equal(byBatch.Select(i => i.OperationId).Order(), batchRows.Select(r => r.OperationId).Order());
        decimal ledgerCost = 0, emulatorCost = 0, standardCost = 0;
        foreach (var entry in entries.Skip(4))
        {
            var row = Assert.Single(batchRows, r => r.ResponseId == entry.ResponseId);
            Assert.Equal((entry.PromptTokenCount, entry.CandidatesTokenCount, entry.TotalTokenCount), ((int)row.InputTokens, (int)row.OutputTokens, (int)row.TotalTokens));
            var counts = new TokenCounts(
                entry.PromptTokenCount, entry.PromptTokensByModality.GetValueOrDefault("TEXT"), entry.PromptTokensByModality.GetValueOrDefault("IMAGE"),
                entry.PromptTokensByModality.GetValueOrDefault("DOCUMENT"), entry.CachedContentTokenCount, entry.ToolUsePromptTokenCount,
                entry.CandidatesTokenCount, entry.ThoughtsTokenCount);
            ledgerCost += row.Cost!.Value;
            emulatorCost += prices.Cost(entry.Model, counts, ServiceTier.Batch)!.Value.Amount;
            standardCost += prices.Cost(entry.Model, counts)!.Value.Amount;
        }

        foreach (var row in batchRows.OrderBy(r => r.FileName, StringComparer.Ordinal))
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"{row.FileName}: input {row.InputTokens} (text {row.TextTokens}, document {row.DocumentTokens}), output {row.OutputTokens}, thoughts {row.ThoughtsTokens}, total {row.TotalTokens}; batch cost {row.Cost} {row.Currency}");
        }

        Assert.Equal(emulatorCost, ledgerCost);
        Assert.InRange(ledgerCost, (standardCost / 2) - 0.000001m, (standardCost / 2) + 0.000001m);
        Assert.All(rows.Where(r => r.ServiceTier == ServiceTier.Standard), r => Assert.Equal(prices.Cost(r)!.Value.Amount, r.Cost));

        // Counters settled once: nothing is held, and the key's used tokens are exactly what both ledgers billed.
        var balance = await sdk.Services.GetRequiredService<IKeyPoolQueries>().GetKeyBalanceAsync("key-b", Ct);
        Assert.Equal((entries.Sum(e => (long)e.TotalTokenCount), 0L), (balance!.TokensUsed, balance.TokensReserved));

        Assert.Equal(InvoiceJobBatchState.Completed, Assert.Single(await Store(sdk).ListBatchesAsync(batch.JobId, Ct)).State);
        await AssertValidPathsAsync(sdk, byBatch);
        var history = await Jobs(sdk).ListTransitionsAsync(byBatch[0].ItemId, Ct);
        Assert.Contains(history, t => t.Reason == $"batch {recorded.BatchId}: submitting");
        Assert.Equal($"batch {recorded.GeminiName}: completed", history[^1].Reason);
    }

    [Fact]
    public async Task RunOnceAsync_AnswerToTheSubmissionLost_FindsTheBatchByDisplayNameAndNeverSubmitsItTwice()
    {
        var time = new FakeTimeProvider(Start);
        var lose = new LoseFirstBatchAnswer();
        await using var sdk = await StartAsync(time, handler: lose);
        var worker = Worker(sdk);
        var job = await SubmitAsync(sdk, 3, batchMode: true, "lost");

        // The batch reached Gemini, but its answer did not come back: the row stays Submitting.
        await worker.RunOnceAsync(Ct);
        Assert.Equal(1, lose.Submissions);
        var open = Assert.Single(await Store(sdk).ListBatchesAsync(job.JobId, Ct));
        Assert.Equal((InvoiceJobBatchState.Submitting, null), (open.State, open.GeminiName));

        // The next round finds it by its display name and records it; nothing is sent again.
        await DrainAsync(worker);
        await FinishBatchesAsync(time, worker);

        Assert.Equal(1, lose.Submissions);
        Assert.Equal(3, sdk.Emulator.Ledger.Entries.Count);
        Assert.Equal(3, (await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct)).Count);
        var done = Assert.Single(await Store(sdk).ListBatchesAsync(job.JobId, Ct));
        Assert.Equal(InvoiceJobBatchState.Completed, done.State);
        Assert.StartsWith("batches/", done.GeminiName, StringComparison.Ordinal);
        Assert.Equal(InvoiceJobState.Completed, (await Jobs(sdk).GetStatusAsync(job.JobId, Ct))!.State);
    }

    [Fact]
    public async Task RunOnceAsync_SubmissionNeverReachedGemini_PutsTheItemsBackAndSendsThemInOneNewBatch()
    {
        var time = new FakeTimeProvider(Start);
        var refuse = new RefuseFirstBatchConnection();
        await using var sdk = await StartAsync(time, handler: refuse);
        var worker = Worker(sdk);
        var job = await SubmitAsync(sdk, 2, batchMode: true, "unsent");

        // The connection fails before the request leaves: the row stays Submitting, for the next poll to look up.
        await worker.RunOnceAsync(Ct);
        var unsent = Assert.Single(await Store(sdk).ListBatchesAsync(job.JobId, Ct));
        Assert.Equal(InvoiceJobBatchState.Submitting, unsent.State);

        // Gemini has no batch by that display name: the items go back to pending and out in a new batch.
        await DrainAsync(worker);
        await FinishBatchesAsync(time, worker);

        var batches = await Store(sdk).ListBatchesAsync(job.JobId, Ct);
        Assert.Equal([InvoiceJobBatchState.Abandoned, InvoiceJobBatchState.Completed], batches.Select(b => b.State));
        Assert.Equal(2, refuse.Attempts);
        Assert.Equal(2, sdk.Emulator.Ledger.Entries.Count);
        Assert.Equal(2, (await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct)).Count);
        Assert.Equal(InvoiceJobState.Completed, (await Jobs(sdk).GetStatusAsync(job.JobId, Ct))!.State);
        foreach (var item in await ItemsAsync(sdk, job.JobId))
        {
            var history = await Jobs(sdk).ListTransitionsAsync(item.ItemId, Ct);
            Assert.Contains(history, t => t.Reason == $"batch {unsent.BatchId} never reached Gemini: back to pending");
            Assert.True(InvoiceJobTransitions.IsValidPath(history));
        }
    }

    [Fact]
    public async Task RunOnceAsync_BatchCancelledAtGemini_PutsItsItemsBackToPendingUnbilledAndTheNextBatchCompletesThem()
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time);
        var worker = Worker(sdk);
        var job = await SubmitAsync(sdk, 2, batchMode: true, "cancelled");
        await worker.RunOnceAsync(Ct);
        var first = Assert.Single(await Store(sdk).ListBatchesAsync(job.JobId, Ct));

        using (var http = new HttpClient { BaseAddress = sdk.Emulator.BaseAddress })
        using (var cancel = new HttpRequestMessage(HttpMethod.Post, $"v1beta/{first.GeminiName}:cancel"))
        {
            cancel.Headers.Add(GeminiClient.ApiKeyHeader, Secret);
            (await http.SendAsync(cancel, Ct)).EnsureSuccessStatusCode();
        }

        // The poll sees the cancelled batch: its items go back to pending (and are sent again in a new batch in the same round).
        time.Advance(TimeSpan.FromMinutes(1));
        await worker.RunOnceAsync(Ct);
        var abandoned = await Store(sdk).GetBatchAsync(first.BatchId, Ct);
        Assert.Equal(InvoiceJobBatchState.Abandoned, abandoned!.State);
        Assert.Empty(sdk.Emulator.Ledger.Entries);
        Assert.Empty(await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct));
        foreach (var item in await ItemsAsync(sdk, job.JobId))
        {
            var history = await Jobs(sdk).ListTransitionsAsync(item.ItemId, Ct);
            Assert.Contains(history, t => t is { From: InvoiceJobItemState.Processing, To: InvoiceJobItemState.Pending } &&
                t.Reason == $"batch {first.GeminiName} (ended BATCH_STATE_CANCELLED): its request never ran (not billed); back to pending");
        }

        await FinishBatchesAsync(time, worker);
        Assert.Equal(InvoiceJobState.Completed, (await Jobs(sdk).GetStatusAsync(job.JobId, Ct))!.State);
        Assert.Equal(2, sdk.Emulator.Ledger.Entries.Count);
        Assert.Equal(2, (await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct)).Count);
        var balance = await sdk.Services.GetRequiredService<IKeyPoolQueries>().GetKeyBalanceAsync("key-b", Ct);
        Assert.Equal((sdk.Emulator.Ledger.Entries.Sum(e => (long)e.TotalTokenCount), 0L), (balance!.TokensUsed, balance.TokensReserved));
        await AssertValidPathsAsync(sdk, await ItemsAsync(sdk, job.JobId));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task RunOnceAsync_BatchExpiresWithSomeRequestsDone_CompletesThoseFromTheirAnswersAndTheRestFallBackToInteractiveBilledOnce(bool asJsonlFile)
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time, o => o.BatchInlineLimitBytes = asJsonlFile ? 1024 : GeminiClient.InlineBatchLimitBytes);
        var worker = Worker(sdk);
        sdk.Emulator.EndNextBatch(new EmulatorBatchEnd { State = EmulatorBatchEndState.Expired, CompletedRequests = 2 });
        var job = await SubmitAsync(sdk, 4, batchMode: true, "expires", fallback: true);
        await DrainAsync(worker);
        var batch = Assert.Single(await Store(sdk).ListBatchesAsync(job.JobId, Ct));

        // The batch expires with two requests done (billed at the batch tier, answers returned) and two never run; the two fall
        // back and the same rounds run them as interactive calls.
        await FinishBatchesAsync(time, worker);

        var items = await ItemsAsync(sdk, job.JobId);
        Assert.Equal(InvoiceJobState.Completed, (await Jobs(sdk).GetStatusAsync(job.JobId, Ct))!.State);
        Assert.All(items, i => Assert.NotNull(i.ReadInvoice()?.InvoiceId));
        Assert.Equal([false, false, true, true], items.Select(i => i.InteractiveFallback));
        Assert.Equal((InvoiceJobBatchState.Abandoned, "BATCH_STATE_EXPIRED"), ((await Store(sdk).GetBatchAsync(batch.BatchId, Ct))!.State, (await Store(sdk).GetBatchAsync(batch.BatchId, Ct))!.Detail));

        // Each item billed once, by the route that answered it: two batch requests, then two standard calls.
        var entries = sdk.Emulator.Ledger.Entries;
        Assert.Equal(["batch", "batch", "standard", "standard"], entries.Select(e => e.ServiceTier));
        var rows = await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct);
        Assert.Equal(4, rows.Count);
        foreach (var entry in entries)
        {
            var row = Assert.Single(rows, r => r.ResponseId == entry.ResponseId);
            Assert.Equal(entry.ServiceTier == "batch" ? ServiceTier.Batch : ServiceTier.Standard, row.ServiceTier);
            Assert.Equal(("key-b", entry.TotalTokenCount), (row.KeyId, (int)row.TotalTokens));
        }

        Assert.Equal(items.Select(i => i.OperationId).Order(), rows.Select(r => r.OperationId).Order());
        Assert.Equal(
            entries.GroupBy(e => (e.KeyId, e.ServiceTier)).Select(g => (g.Key.ServiceTier, g.Count(), g.Sum(e => (long)e.TotalTokenCount))).Order(),
            rows.GroupBy(r => (r.KeyId, r.ServiceTier)).Select(g => (g.Key.ServiceTier == ServiceTier.Batch ? "batch" : "standard", g.Count(), g.Sum(r => r.TotalTokens))).Order());
        var balance = await sdk.Services.GetRequiredService<IKeyPoolQueries>().GetKeyBalanceAsync("key-b", Ct);
        Assert.Equal((entries.Sum(e => (long)e.TotalTokenCount), 0L), (balance!.TokensUsed, balance.TokensReserved));
        Assert.Empty(await sdk.Services.GetRequiredService<IOperationStore>().ListUnknownOutcomeAttemptsAsync(Company, Ct));

        // Every item terminal once, each move recorded with its reason.
        await AssertValidPathsAsync(sdk, items);
        foreach (var item in items)
        {
            var history = await Jobs(sdk).ListTransitionsAsync(item.ItemId, Ct);
            Assert.Single(history, t => InvoiceJobTransitions.IsTerminal(t.To));
            if (item.InteractiveFallback)
            {
                Assert.Contains(history, t => t is { From: InvoiceJobItemState.Processing, To: InvoiceJobItemState.Pending } &&
                    t.Reason == $"batch {batch.GeminiName} (ended BATCH_STATE_EXPIRED): its request never ran (not billed); falls back to an interactive call");
                Assert.Equal("completed", history[^1].Reason);
            }
            else
            {
                Assert.Equal($"batch {batch.GeminiName} (ended BATCH_STATE_EXPIRED): completed", history[^1].Reason);
            }
        }
    }

    [Fact]
    public async Task RunOnceAsync_BatchRoute_JournalsEachAttemptWithItsInputEstimateLikeTheInteractivePipeline()
    {
        var time = new FakeTimeProvider(Start);
        var journaled = new ConcurrentQueue<AttemptJournalEntry>();
        await using var sdk = await StartAsync(
            time,
            configure: services => services.AddSingleton<IOperationStore>(sp => new JournalRecorder((IOperationStore)sp.GetRequiredService<IQuotaStore>(), journaled)));
        var worker = Worker(sdk);
        var job = await SubmitAsync(sdk, 2, batchMode: true, "input-estimate");

        await DrainAsync(worker);
        await FinishBatchesAsync(time, worker);

        // What the attempt holds in the minute windows: the prompt's tokens its reservation counted there, not its total. An
        // attempt charged at its estimate counts it in its minute slot; a late billed record corrects the slot by the difference.
        var items = await ItemsAsync(sdk, job.JobId);
        Assert.All(items, i => Assert.Equal(InvoiceJobItemState.Completed, i.State));
        var entries = journaled.Where(e => items.Any(i => i.OperationId == e.OperationId)).ToList();
        Assert.Equal(2, entries.Count);
        Assert.All(entries, e =>
        {
            var input = Assert.NotNull(e.EstimatedInputTokens);
            Assert.InRange(input, 1, e.EstimatedTokens - 1);
        });
    }

    /// <summary>Records every attempt journal entry on its way to the store.</summary>
    private sealed class JournalRecorder(IOperationStore inner, ConcurrentQueue<AttemptJournalEntry> journaled) : IOperationStore
    {
        public Task<OperationClaimResult> ClaimOperationAsync(OperationClaim claim, CancellationToken cancellationToken) => inner.ClaimOperationAsync(claim, cancellationToken);

        public Task<OperationRecord?> GetOperationAsync(string operationId, CancellationToken cancellationToken) => inner.GetOperationAsync(operationId, cancellationToken);

        public Task BeginAttemptAsync(AttemptJournalEntry attempt, CancellationToken cancellationToken)
        {
            journaled.Enqueue(attempt);
            return inner.BeginAttemptAsync(attempt, cancellationToken);
        }

        public Task<QuotaSettlement?> EndAttemptAsync(AttemptEnding ending, CancellationToken cancellationToken) => inner.EndAttemptAsync(ending, cancellationToken);

        public Task CompleteOperationAsync(OperationCompletion completion, CancellationToken cancellationToken) => inner.CompleteOperationAsync(completion, cancellationToken);

        public Task<IReadOnlyList<UnknownOutcomeAttempt>> ResolveInFlightAttemptsAsync(DateTimeOffset? startedBefore, CancellationToken cancellationToken) => inner.ResolveInFlightAttemptsAsync(startedBefore, cancellationToken);

        public Task<IReadOnlyList<UnknownOutcomeAttempt>> ListUnknownOutcomeAttemptsAsync(string? companyId, CancellationToken cancellationToken) => inner.ListUnknownOutcomeAttemptsAsync(companyId, cancellationToken);
    }

    [Fact]
    public async Task RunOnceAsync_BatchExpiresWithoutResultsAfterRunningSome_EndsItsItemsOutcomeUnknownAndNeverSendsThemAgainByThemselves()
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time);
        var worker = Worker(sdk);
        sdk.Emulator.EndNextBatch(new EmulatorBatchEnd { State = EmulatorBatchEndState.Expired, CompletedRequests = 1, ReturnCompletedResults = false });
        var job = await SubmitAsync(sdk, 3, batchMode: true, "expires-silently", fallback: true);
        await DrainAsync(worker);
        var batch = Assert.Single(await Store(sdk).ListBatchesAsync(job.JobId, Ct));

        // One request ran and was billed, but no result came back: any of the three may be that one.
        await FinishBatchesAsync(time, worker);
        time.Advance(TimeSpan.FromHours(1));
        await DrainAsync(worker);

        var items = await ItemsAsync(sdk, job.JobId);
        Assert.All(items, i => Assert.Equal((InvoiceJobItemState.Failed, InvoiceOcrErrorKind.Timeout, true), (i.State, i.ErrorKind, i.InteractiveFallback)));
        Assert.Equal(InvoiceJobState.Failed, (await Jobs(sdk).GetStatusAsync(job.JobId, Ct))!.State);
        Assert.Equal(["batch"], sdk.Emulator.Ledger.Entries.Select(e => e.ServiceTier));
        Assert.Empty(await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct));

        // Like the pipeline's unknown-outcome attempts: each charged at its estimate and listed for reconciliation.
        var unknown = await sdk.Services.GetRequiredService<IOperationStore>().ListUnknownOutcomeAttemptsAsync(Company, Ct);
        Assert.Equal(items.Select(i => i.OperationId).Order(), unknown.Select(u => u.OperationId).Order());
        Assert.All(unknown, u => Assert.True(u.ChargedTokens > 0));
        var balance = await sdk.Services.GetRequiredService<IKeyPoolQueries>().GetKeyBalanceAsync("key-b", Ct);
        Assert.Equal((unknown.Sum(u => u.ChargedTokens), 0L), (balance!.TokensUsed, balance.TokensReserved));
        foreach (var item in items)
        {
            var history = await Jobs(sdk).ListTransitionsAsync(item.ItemId, Ct);
            Assert.Equal($"batch {batch.GeminiName} ended BATCH_STATE_EXPIRED: outcome unknown (may have been billed, no answer); charged at its estimate, not sent again", history[^1].Reason);
        }

        // A retry by hand sends them again, as interactive calls (the job allows the fallback).
        Assert.Equal(3, await Jobs(sdk).RetryFailedAsync(job.JobId, Ct));
        await DrainAsync(worker);
        Assert.Equal(InvoiceJobState.Completed, (await Jobs(sdk).GetStatusAsync(job.JobId, Ct))!.State);
        Assert.Equal(["batch", "standard", "standard", "standard"], sdk.Emulator.Ledger.Entries.Select(e => e.ServiceTier));
        await AssertValidPathsAsync(sdk, await ItemsAsync(sdk, job.JobId));
    }

    [Fact]
    public async Task RunOnceAsync_BatchFailsBeforeRunningAnyRequestWithoutFallback_PutsItsItemsBackToTheBatchRoute()
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time);
        var worker = Worker(sdk);
        sdk.Emulator.EndNextBatch(new EmulatorBatchEnd { State = EmulatorBatchEndState.Failed });
        var job = await SubmitAsync(sdk, 2, batchMode: true, "fails");
        await DrainAsync(worker);
        var first = Assert.Single(await Store(sdk).ListBatchesAsync(job.JobId, Ct));

        // Failed with nothing run: nothing billed, the items go back and a new batch completes them.
        await FinishBatchesAsync(time, worker);
        await FinishBatchesAsync(time, worker);

        var items = await ItemsAsync(sdk, job.JobId);
        Assert.Equal(InvoiceJobState.Completed, (await Jobs(sdk).GetStatusAsync(job.JobId, Ct))!.State);
        Assert.All(items, i => Assert.False(i.InteractiveFallback));
        Assert.Equal(["batch", "batch"], sdk.Emulator.Ledger.Entries.Select(e => e.ServiceTier));
        Assert.Equal(2, (await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct)).Count);
        Assert.Equal([InvoiceJobBatchState.Abandoned, InvoiceJobBatchState.Completed], (await Store(sdk).ListBatchesAsync(job.JobId, Ct)).Select(b => b.State));
        foreach (var item in items)
        {
            var history = await Jobs(sdk).ListTransitionsAsync(item.ItemId, Ct);
            Assert.Contains(history, t => t.Reason == $"batch {first.GeminiName} (ended BATCH_STATE_FAILED): its request never ran (not billed); back to pending");
        }

        await AssertValidPathsAsync(sdk, items);
    }

    [Fact]
    public async Task RunOnceAsync_PerRequestErrorInTheBatch_FailsOnlyThatItemAndBillsTheOthers()
    {
        var time = new FakeTimeProvider(Start);
        var spoil = new SpoilOneBatchRequest();
        await using var sdk = await StartAsync(time, handler: spoil);
        var worker = Worker(sdk);
        var job = await SubmitAsync(sdk, 3, batchMode: true, "errors");
        await DrainAsync(worker);
        await FinishBatchesAsync(time, worker);

        var items = await ItemsAsync(sdk, job.JobId);
        var spoiled = Assert.Single(items, i => i.ItemId == spoil.SpoiledKey);
        Assert.Equal((InvoiceJobItemState.Failed, InvoiceOcrErrorKind.BadRequest), (spoiled.State, spoiled.ErrorKind));
        Assert.All(items.Where(i => i != spoiled), i => Assert.Equal(InvoiceJobItemState.Completed, i.State));
        Assert.Equal(InvoiceJobState.PartiallyProcessed, (await Jobs(sdk).GetStatusAsync(job.JobId, Ct))!.State);
        Assert.Equal(2, sdk.Emulator.Ledger.Entries.Count);
        Assert.Equal(2, (await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct)).Count);
        var balance = await sdk.Services.GetRequiredService<IKeyPoolQueries>().GetKeyBalanceAsync("key-b", Ct);
        Assert.Equal(0, balance!.TokensReserved);
        await AssertValidPathsAsync(sdk, items);
    }

    [Fact]
    public async Task RunOnceAsync_BatchQuotaOfEnqueuedTokensFull_ParksTheItemsWithoutFailingThemAndResumesThem()
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time, batchEnqueuedTokens: 100);
        var worker = Worker(sdk);
        var job = await SubmitAsync(sdk, 2, batchMode: true, "quota");
        await worker.RunOnceAsync(Ct);

        var items = await ItemsAsync(sdk, job.JobId);
        Assert.All(items, i => Assert.Equal((InvoiceJobItemState.QuotaExceeded, 0), (i.State, i.FailureCount)));
        Assert.All(items, i => Assert.NotNull(i.NotBefore));
        Assert.Equal(InvoiceJobState.QuotaExceeded, (await Jobs(sdk).GetStatusAsync(job.JobId, Ct))!.State);
        Assert.Equal(InvoiceJobBatchState.Abandoned, Assert.Single(await Store(sdk).ListBatchesAsync(job.JobId, Ct)).State);
        Assert.Empty(await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct));
        var balance = await sdk.Services.GetRequiredService<IKeyPoolQueries>().GetKeyBalanceAsync("key-b", Ct);
        Assert.Equal((0L, 0L), (balance!.TokensUsed, balance.TokensReserved));

        // Once their resume time has come the items are taken again (and refused again: the quota stays too small).
        time.SetUtcNow(items.Max(i => i.NotBefore!.Value));
        await worker.RunOnceAsync(Ct);
        var history = await Jobs(sdk).ListTransitionsAsync(items[0].ItemId, Ct);
        Assert.Contains(history, t => t is { From: InvoiceJobItemState.QuotaExceeded, To: InvoiceJobItemState.Pending });
        await AssertValidPathsAsync(sdk, await ItemsAsync(sdk, job.JobId));
    }

    /// <summary>Lets the first batch submission reach the emulator, then loses its answer (a cut connection).</summary>
    private sealed class LoseFirstBatchAnswer : DelegatingHandler
    {
        private int _submissions;

        public int Submissions => Volatile.Read(ref _submissions);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (request.RequestUri!.AbsolutePath.EndsWith(":batchGenerateContent", StringComparison.Ordinal) && Interlocked.Increment(ref _submissions) == 1)
            {
                response.Dispose();
                throw new HttpRequestException("The connection was reset.");
            }

            return response;
        }
    }

    /// <summary>Fails the first batch submission before it leaves (a refused connection).</summary>
    private sealed class RefuseFirstBatchConnection : DelegatingHandler
    {
        private int _attempts;

        public int Attempts => Volatile.Read(ref _attempts);

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            request.RequestUri!.AbsolutePath.EndsWith(":batchGenerateContent", StringComparison.Ordinal) && Interlocked.Increment(ref _attempts) == 1
                ? Task.FromException<HttpResponseMessage>(new HttpRequestException("Connection refused."))
                : base.SendAsync(request, cancellationToken);
    }

    /// <summary>Empties the contents of the last request of an inline batch, so Gemini answers it with a per-request error.</summary>
    private sealed class SpoilOneBatchRequest : DelegatingHandler
    {
        public string? SpoiledKey { get; private set; }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri!.AbsolutePath.EndsWith(":batchGenerateContent", StringComparison.Ordinal))
            {
                var body = JsonNode.Parse(await request.Content!.ReadAsStringAsync(cancellationToken))!;
                var last = body["batch"]!["inputConfig"]!["requests"]!["requests"]!.AsArray()[^1]!;
                SpoiledKey = last["metadata"]!["key"]!.GetValue<string>();
                last["request"]!["contents"] = new JsonArray();
                request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
            }

            return await base.SendAsync(request, cancellationToken);
        }
    }
}
