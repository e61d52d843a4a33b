using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk.Jobs;
using InvoiceOcr.Sdk.Tests.EndToEnd;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.Tests.Jobs;

/// <summary>
/// The job worker over real HTTP against the emulator, driven round by round (<see cref="InvoiceJobWorker.RunOnceAsync"/>) on a
/// fake clock: quota parking and resumption at Pacific midnight, the per-minute pace, take-over of a dead worker's lease
/// without a second bill, partial invoices, manual controls and idempotent submission.
/// </summary>
public sealed class InvoiceJobWorkerTests
{
    private const string Company = "company-jobs";
    private const string Secret = "test-key-jobs-0001";

    // 02:00 PDT: Pacific midnight is 22 hours away.
    private static readonly DateTimeOffset Start = new(2026, 5, 4, 9, 0, 0, TimeSpan.Zero);

    private static readonly string[] Files =
    [
        "zugferd/EN16931_Einfach.pdf", "zugferd/XRECHNUNG_Einfach.pdf", "zugferd/EN16931_Rabatte.pdf",
        "zugferd/EN16931_Miete.pdf", "zugferd/Facture_FR_BASICWL.pdf", "zugferd/acme_invoice-42_ZUGFeRD.pdf",
    ];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static async Task<EmulatedSdk> StartAsync(FakeTimeProvider time, QuotaLimits? rates = null, int concurrency = 2)
    {
        var sdk = await EmulatedSdk.StartAsync(
            emulator => emulator.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-a", Project = "project-a" }),
            options => options.EInvoiceMode = EInvoiceMode.ModelOnly,
            time,
            services => services.AddInvoiceOcr().AddJobs(o =>
            {
                o.WorkerId = "worker-1";
                o.Concurrency = concurrency;
                o.RetryDelay = TimeSpan.FromSeconds(10);
            }));
        await sdk.AddKeyAsync(new ApiKey { Id = "key-a", CompanyId = Company, Secret = Secret, ProjectId = "project-a", Rates = rates ?? QuotaLimits.None });
        return sdk;
    }

    private static IInvoiceJobs Jobs(EmulatedSdk sdk) => sdk.Services.GetRequiredService<IInvoiceJobs>();

    private static InvoiceJobWorker Worker(EmulatedSdk sdk) => sdk.Services.GetRequiredService<InvoiceJobWorker>();

    private static async Task<InvoiceJob> SubmitAsync(EmulatedSdk sdk, int count)
    {
        var job = await Jobs(sdk).CreateJobAsync(new InvoiceJobRequest(Company) { RequestedBy = "alice", Branch = "Pune" }, Ct);
        var added = await Jobs(sdk).AddDocumentsAsync(job.JobId, Files.Take(count).Select(f => InvoiceJobDocument.FromFile(SharedData.Invoice(f))), Ct);
        Assert.Equal(new InvoiceJobAddResult(count, 0), added);
        return job;
    }

    private static async Task<List<InvoiceJobItem>> ItemsAsync(EmulatedSdk sdk, string jobId) =>
        [.. (await Jobs(sdk).ListItemsAsync(new InvoiceJobItemQuery(jobId), Ct)).Items];

    private static async Task AssertValidPathsAsync(EmulatedSdk sdk, IEnumerable<InvoiceJobItem> items)
    {
        foreach (var item in items)
        {
            Assert.True(InvoiceJobTransitions.IsValidPath(await Jobs(sdk).ListTransitionsAsync(item.ItemId, Ct)), item.ItemId);
        }
    }

    [Fact]
    public async Task RunOnceAsync_DailyQuotaUsedUp_ParksTheJobUntilPacificMidnightThenCompletesIt()
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time, new QuotaLimits { RequestsPerDay = 4 });
        var job = await SubmitAsync(sdk, 6);
        var worker = Worker(sdk);

        while (await worker.RunOnceAsync(Ct) > 0)
        {
        }

        var parked = (await Jobs(sdk).GetStatusAsync(job.JobId, Ct))!;
        var midnight = QuotaWindows.DayEnd(Start);
        Assert.Equal(InvoiceJobState.QuotaExceeded, parked.State);
        Assert.Equal((4, 2), (parked.Progress.Completed, parked.Progress.QuotaExceeded));
        Assert.Equal(midnight, parked.Progress.ResumesAt);
        Assert.Equal(4, sdk.Requests.Total);

        time.SetUtcNow(midnight.AddSeconds(-1));
        Assert.Equal(0, await worker.RunOnceAsync(Ct));
        time.SetUtcNow(midnight);
        while (await worker.RunOnceAsync(Ct) > 0)
        {
        }

        var done = (await Jobs(sdk).GetStatusAsync(job.JobId, Ct))!;
        Assert.Equal(InvoiceJobState.Completed, done.State);
        Assert.Equal(6, done.Progress.Completed);
        Assert.Equal(6, sdk.Requests.Total);
        Assert.Equal(6, sdk.Emulator.Ledger.Entries.Count);
        var items = await ItemsAsync(sdk, job.JobId);
        Assert.All(items, i => Assert.NotNull(i.ReadInvoice()?.InvoiceId));
        Assert.All(items, i => Assert.Equal("key-a", i.KeyId));
        await AssertValidPathsAsync(sdk, items);
        var resumed = await Jobs(sdk).ListTransitionsAsync(items[^1].ItemId, Ct);
        Assert.Contains(resumed, t => t is { From: InvoiceJobItemState.QuotaExceeded, To: InvoiceJobItemState.Pending } && t.At == midnight);
    }

    [Fact]
    public async Task RunOnceAsync_PerMinuteLimit_HoldsTheCompanyBackUntilTheWindowTurnsWithoutFailures()
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time, new QuotaLimits { RequestsPerMinute = 2 }, concurrency: 1);
        var job = await SubmitAsync(sdk, 5);
        var worker = Worker(sdk);

        var minutes = 0;
        while ((await Jobs(sdk).GetStatusAsync(job.JobId, Ct))!.State != InvoiceJobState.Completed)
        {
            Assert.True(minutes++ < 5, "the job should complete within 3 minutes of windows");
            while (await worker.RunOnceAsync(Ct) > 0)
            {
            }

            time.Advance(TimeSpan.FromMinutes(1));
        }

        Assert.Equal(5, sdk.Requests.Total);
        var perMinute = sdk.Emulator.Ledger.Entries.GroupBy(e => QuotaWindows.MinuteStart(e.Timestamp)).Select(g => g.Count()).ToList();
        Assert.All(perMinute, n => Assert.True(n <= 2));
        var items = await ItemsAsync(sdk, job.JobId);
        Assert.All(items, i => Assert.Equal(0, i.FailureCount));
        await AssertValidPathsAsync(sdk, items);
    }

    [Fact]
    public async Task RunOnceAsync_DeadWorkersCallHadSucceeded_TakesTheItemOverAndDoesNotBillItTwice()
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time);
        var job = await SubmitAsync(sdk, 1);
        var store = sdk.Services.GetRequiredService<IInvoiceJobStore>();

        // A worker leases the item, its call succeeds and is billed, and it dies before recording the result.
        var leased = (await store.LeaseItemsAsync(new InvoiceJobLeaseRequest { WorkerId = "dead-worker", MaxItems = 1, Now = Start, LeaseUntil = Start.AddMinutes(5) }, Ct)).Single();
        var document = await InvoiceDocument.FromFileAsync(leased.Location!, Ct);
        await sdk.Extractor.ExtractAsync(document, new ExtractionContext(Company) { IdempotencyKey = InvoiceJobService.IdempotencyKey(job.JobId, leased.ItemId) }, Ct);

        Assert.Equal(0, await Worker(sdk).RunOnceAsync(Ct));
        time.Advance(TimeSpan.FromMinutes(5));
        Assert.Equal(1, await Worker(sdk).RunOnceAsync(Ct));

        var item = (await ItemsAsync(sdk, job.JobId)).Single();
        Assert.Equal(InvoiceJobItemState.Completed, item.State);
        Assert.Equal(leased.OperationId, (await sdk.Ledger.ListAsync(new UsageQuery(Company), Ct)).Single().OperationId);
        Assert.Equal(1, sdk.Requests.Total);
        Assert.Single(sdk.Emulator.Ledger.Entries);
        var history = await Jobs(sdk).ListTransitionsAsync(item.ItemId, Ct);
        Assert.Equal(
            [("dead-worker", InvoiceJobItemState.Processing), ("worker-1", InvoiceJobItemState.Processing), ("worker-1", InvoiceJobItemState.Completed)],
            history.Select(t => (t.WorkerId!, t.To)));
        Assert.Contains("not billed again", history[^1].Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunOnceAsync_AnswerCutOff_FailsTheItemAndKeepsThePartialInvoice()
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time);
        var job = await SubmitAsync(sdk, 1);
        sdk.Emulator.InjectFault(EmulatorFaultKind.MaxTokens, count: 1);

        await Worker(sdk).RunOnceAsync(Ct);

        var item = (await ItemsAsync(sdk, job.JobId)).Single();
        Assert.Equal(InvoiceJobItemState.Failed, item.State);
        Assert.Equal(InvoiceOcrErrorKind.OutputTruncated, item.ErrorKind);
        Assert.True(item.IsPartial);
        Assert.Equal("471102", item.ReadInvoice()!.InvoiceId);
        Assert.True(item.TotalTokens > 0);
        Assert.Equal(InvoiceJobState.Failed, (await Jobs(sdk).GetStatusAsync(job.JobId, Ct))!.State);

        Assert.Equal(1, await Jobs(sdk).RetryFailedAsync(job.JobId, Ct));
        await Worker(sdk).RunOnceAsync(Ct);
        var retried = (await ItemsAsync(sdk, job.JobId)).Single();
        Assert.Equal((InvoiceJobItemState.Completed, false), (retried.State, retried.IsPartial));
        Assert.Equal(2, sdk.Requests.Total);
    }

    [Fact]
    public async Task AddDocumentsAsync_SameFolderTwice_AddsNothingTheSecondTime()
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time);
        var folder = Path.GetDirectoryName(SharedData.Invoice(Files[0]))!;
        var job = await Jobs(sdk).CreateJobAsync(new InvoiceJobRequest(Company) { JobKey = "month-end" }, Ct);

        var first = await Jobs(sdk).AddDocumentsAsync(job.JobId, InvoiceJobDocument.FromFolder(folder), Ct);
        var again = await Jobs(sdk).CreateJobAsync(new InvoiceJobRequest(Company) { JobKey = "month-end" }, Ct);
        var second = await Jobs(sdk).AddDocumentsAsync(again.JobId, InvoiceJobDocument.FromFolder(folder), Ct);
        await using var stream = File.OpenRead(SharedData.Invoice(Files[0]));
        var third = await Jobs(sdk).AddDocumentsAsync(job.JobId, [InvoiceJobDocument.FromStream(stream, "copy.pdf")], Ct);

        Assert.Equal(job.JobId, again.JobId);
        Assert.True(first.Added >= 6);
        Assert.Equal(new InvoiceJobAddResult(0, first.Added), second);
        Assert.Equal(new InvoiceJobAddResult(0, 1), third);
    }

    [Fact]
    public async Task SuspendAsync_ThenResume_NothingRunsWhileSuspendedAndEverythingAfter()
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time);
        var job = await SubmitAsync(sdk, 2);

        var suspended = await Jobs(sdk).SuspendAsync(job.JobId, Ct);
        Assert.Equal(0, await Worker(sdk).RunOnceAsync(Ct));
        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => Jobs(sdk).SuspendAsync(job.JobId, Ct));
        var resumed = await Jobs(sdk).ResumeAsync(job.JobId, Ct);
        await Worker(sdk).RunOnceAsync(Ct);

        Assert.Equal(InvoiceJobState.Suspended, suspended.State);
        Assert.Equal(InvoiceOcrErrorKind.JobTransitionRejected, error.Kind);
        Assert.Equal(InvoiceJobState.Pending, resumed.State);
        Assert.Equal(InvoiceJobState.Completed, (await Jobs(sdk).GetStatusAsync(job.JobId, Ct))!.State);
        Assert.Equal(0, sdk.Requests.Total - 2);
    }

    [Fact]
    public async Task CancelAsync_PendingItems_AreCancelledAndNeverCalled()
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time);
        var job = await SubmitAsync(sdk, 3);

        var cancelled = await Jobs(sdk).CancelAsync(job.JobId, Ct);

        Assert.Equal(0, await Worker(sdk).RunOnceAsync(Ct));
        Assert.Equal(InvoiceJobState.Cancelled, cancelled.State);
        Assert.Equal(3, cancelled.Progress.Cancelled);
        Assert.Equal(0, sdk.Requests.Total);
        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => Jobs(sdk).AddDocumentsAsync(job.JobId, [InvoiceJobDocument.FromFile(SharedData.Invoice(Files[5]))], Ct));
        Assert.Equal(InvoiceOcrErrorKind.JobTransitionRejected, error.Kind);
    }
}
