using System.Diagnostics;
using System.Globalization;
using System.Net;
using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// A batch job end to end on one SQLite store shared by three SDK instances, each running the job worker as a hosted service,
/// against the emulator with 20 % injected faults and a per-day request limit (the SDK's and the emulator's project alike) that
/// runs out part-way: the job parks as QuotaExceeded, resumes at Pacific midnight by itself, and ends with every item in one
/// terminal state along a valid path; the SDK's ledger equals the emulator's billing per key, no call was refused by the server
/// with a 429, and the third instance dies holding leases: its items are taken over after the visibility time-out, and no
/// operation is billed twice. The clock runs 600 times real time; the test jumps it to midnight once the job has parked, so
/// the outcome does not depend on how fast the machine is.
/// </summary>
[Trait("Category", "Reconciliation")]
public sealed class JobReconciliationTests
{
    private const int Documents = 1_000;
    private const int RequestsPerDay = 650;
    private const string Company = "c-jobs";
    private const string Project = "p-jobs";
    private const string KeyId = "jobs-a";
    private const string Secret = "test-key-jobs-reconciliation-hjklmnop";

    // 00:00:30 PST: the next Pacific midnight is a whole fake day (144 real seconds at 600×) away unless the test jumps
    // there. The day's 650 requests must be spent within it for the job to park; from 10:00 PST (84 real seconds) a CI
    // machine busy with other work once failed to.
    private static readonly DateTimeOffset Start = new(2026, 1, 14, 8, 0, 30, TimeSpan.Zero);

    [Fact]
    public async Task Job_ThreeWorkersFaultsDailyQuotaAndAKilledWorker_ParksResumesAndReconciles()
    {
        var clock = new JumpingClock(Start, 600);
        var keys = new[] { new HarnessKey(KeyId, Company, Project, Secret) };
        var emulatorOptions = ReconciliationHarness.CreateEmulatorOptions(keys, seed: 16);
        emulatorOptions.Projects[Project] = new EmulatorProjectOptions { RequestsPerDay = RequestsPerDay, Tier = EmulatorTier.Paid };
        await using var emulator = await GeminiEmulator.StartAsync(emulatorOptions, clock, TestContext.Current.CancellationToken);
        var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "invoiceocr-job-reconciliation", Guid.NewGuid().ToString("N"))).FullName;
        var database = Path.Combine(directory, "store.db");
        var tooMany = new StatusCounter();
        var hosts = new List<Instance>();
        KillableJobStore? doomed = null;
        try
        {
            for (var i = 1; i <= 3; i++)
            {
                var kill = i == 3;
                var host = BuildHost(clock, emulator.BaseAddress, database, "worker-" + i.ToString(CultureInfo.InvariantCulture), tooMany, kill);
                if (kill)
                {
                    doomed = (KillableJobStore)host.Services.GetRequiredService<IInvoiceJobStore>();
                }

                if (i == 1)
                {
                    // The first instance migrates the schema (hosted initializer) and registers the company's key.
                    await host.StartAsync(TestContext.Current.CancellationToken);
                    await host.Services.GetRequiredService<IApiKeyStore>().AddAsync(
                        new ApiKey { Id = KeyId, CompanyId = Company, ProjectId = Project, Secret = Secret, Rates = new QuotaLimits { RequestsPerDay = RequestsPerDay } },
                        CancellationToken.None);
                }

                hosts.Add(host);
            }

            // Submit before the other workers start, so the job is whole when they lease.
            var jobs = hosts[0].Services.GetRequiredService<IInvoiceJobs>();
            var job = await jobs.CreateJobAsync(new InvoiceJobRequest(Company) { JobKey = "reconciliation", RequestedBy = "alice", Branch = "Pune" }, CancellationToken.None);
            var documents = Enumerable.Range(1, Documents)
                .Select(n => InvoiceJobDocument.FromStream(new MemoryStream(TinyPdf.Create(1 + (n % 3), "Job invoice " + n.ToString(CultureInfo.InvariantCulture))), $"invoice-{n:D4}.pdf"))
                .ToList();
            Assert.Equal(new InvoiceJobAddResult(Documents, 0), await jobs.AddDocumentsAsync(job.JobId, documents, CancellationToken.None));
            foreach (var host in hosts.Skip(1))
            {
                await host.StartAsync(TestContext.Current.CancellationToken);
            }

            // The third instance dies right after its first lease: from then on every store call it makes fails, as if the
            // process were gone, so the items it holds are taken over once their visibility time-out has passed.
            await WaitAsync(() => Task.FromResult(doomed!.IsDead), "the third worker to lease and die");

            // The job parks when the day's quota is used up; jump to Pacific midnight (the timers keep their real pace).
            InvoiceJobStatus parked = null!;
            var firstDayEnd = QuotaWindows.DayEnd(Start);
            var submitted = Stopwatch.StartNew();
            await WaitAsync(
                async () =>
                {
                    parked = (await jobs.GetStatusAsync(job.JobId, CancellationToken.None))!;
                    // Past the first day's end the quota has reset: the job can no longer park on it, say why at once.
                    Assert.True(
                        parked.State == InvoiceJobState.QuotaExceeded || clock.GetUtcNow() < firstDayEnd,
                        $"The fake day ended before the job parked: {parked.Progress.Finished} items finished in {submitted.Elapsed.TotalSeconds:0} real seconds, fewer than the {RequestsPerDay} requests a day allows (the machine is too slow for a 600× clock).");
                    return parked.State == InvoiceJobState.QuotaExceeded;
                },
                "the job to park");
            var parkedAfter = submitted.Elapsed;
            var midnight = QuotaWindows.DayEnd(clock.GetUtcNow());

            // The refusal's wait is measured on a clock running 600 times real time, so the resume time lands just after midnight.
            Assert.InRange(parked.Progress.ResumesAt!.Value, midnight, midnight.AddMinutes(30));
            Assert.InRange(parked.Progress.Finished, Documents / 4, Documents - 1);
            clock.JumpTo(parked.Progress.ResumesAt.Value);

            InvoiceJobStatus final = null!;
            await WaitAsync(async () => (final = (await jobs.GetStatusAsync(job.JobId, CancellationToken.None))!).Progress.Finished == Documents, "the job to finish");
            foreach (var host in hosts)
            {
                await host.StopAsync(CancellationToken.None);
            }

            // Every item in exactly one terminal state, along a valid path.
            Assert.Contains(final.State, new[] { InvoiceJobState.Completed, InvoiceJobState.PartiallyProcessed });
            var items = new List<InvoiceJobItem>();
            for (int? after = 0; after is { } a;)
            {
                var page = await jobs.ListItemsAsync(new InvoiceJobItemQuery(job.JobId) { After = a, PageSize = 500 }, CancellationToken.None);
                items.AddRange(page.Items);
                after = page.NextAfter;
            }

            Assert.Equal(Documents, items.Count);
            Assert.All(items, i => Assert.True(InvoiceJobTransitions.IsTerminal(i.State), $"{i.ItemId} ended {i.State}"));
            var resumedAtMidnight = 0;
            var takenOver = 0;
            foreach (var item in items)
            {
                var history = await jobs.ListTransitionsAsync(item.ItemId, CancellationToken.None);
                Assert.True(InvoiceJobTransitions.IsValidPath(history), item.ItemId);
                Assert.Equal(1, history.Count(t => InvoiceJobTransitions.IsTerminal(t.To)) - history.Count(t => t.From == InvoiceJobItemState.Failed));
                resumedAtMidnight += history.Any(t => t is { From: InvoiceJobItemState.QuotaExceeded, To: InvoiceJobItemState.Pending } && t.At >= midnight) ? 1 : 0;
                takenOver += history.Any(t => t is { From: InvoiceJobItemState.Processing, To: InvoiceJobItemState.Processing }) ? 1 : 0;
            }

            Assert.True(resumedAtMidnight > 0, "no item resumed at Pacific midnight");
            Assert.True(takenOver >= 1, "none of the killed worker's items was taken over");

            // The ledgers agree per key, nothing is billed twice, and the server refused nothing with a 429.
            var ledger = await hosts[0].Services.GetRequiredService<IUsageLedger>().ListAsync(new UsageQuery(Company), CancellationToken.None);
            Reconciliation.AssertLedgersEqual(emulator.Ledger.Entries, keys, ledger);
            var billedSuccesses = ledger.Where(r => r.Outcome == UsageOutcome.Success).GroupBy(r => r.OperationId).ToList();
            Assert.All(billedSuccesses, g => Assert.Single(g));
            Assert.Equal(items.Count(i => i.State == InvoiceJobItemState.Completed), billedSuccesses.Count);
            Assert.Equal(0, tooMany.Count);
            TestContext.Current.TestOutputHelper?.WriteLine(
                $"jobs reconciliation: {Documents} documents, {final.Progress.Completed} completed, {final.Progress.Failed} failed, {emulator.Ledger.Entries.Count} billed calls, parked after {parked.Progress.Finished} items and {parkedAfter.TotalSeconds:0} real seconds (a day is {TimeSpan.FromDays(1) / 600:c}), {takenOver} taken over");
        }
        finally
        {
            foreach (var host in hosts)
            {
                host.Dispose();
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Cleaned by the OS.
            }
        }
    }

    private static Instance BuildHost(TimeProvider clock, Uri emulator, string database, string workerId, StatusCounter tooMany, bool killable)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Warning));
        services.AddSingleton(clock);
        services.AddInvoiceOcr(options =>
        {
            options.EInvoiceMode = EInvoiceMode.ModelOnly;
            options.Gemini.BaseAddress = emulator;
            options.Documents.PdfParseTimeout = TimeSpan.FromHours(1);
            options.KeyPool.ReservationTimeToLive = TimeSpan.FromDays(1);
            options.Retry.InitialDelay = TimeSpan.FromMilliseconds(200);
            options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
            options.Retry.AttemptTimeout = TimeSpan.FromHours(12);
            options.Retry.TotalTimeout = TimeSpan.FromHours(20);
        })
        .AddSqliteStore(database, o =>
        {
            o.BusyTimeout = TimeSpan.FromSeconds(30);
            o.SecretProtection.CurrentKeyId = "k1";
            o.SecretProtection.MasterKeys["k1"] = ReconciliationHarness.MasterKey;
        })
        .AddJobs(o =>
        {
            o.WorkerId = workerId;
            o.Concurrency = 4;
            o.PollInterval = TimeSpan.FromSeconds(30); // 50 real ms
            o.VisibilityTimeout = TimeSpan.FromMinutes(30); // 3 real seconds
            o.HeartbeatInterval = TimeSpan.FromMinutes(5);
            o.RetryDelay = TimeSpan.FromSeconds(30);
            o.MaxAttempts = 4;
        });
        if (killable)
        {
            services.AddSingleton(static sp => new KillableJobStore(new SqliteInvoiceJobStore(sp.GetRequiredService<IOptions<SqliteStoreOptions>>().Value)));
            services.AddSingleton<IInvoiceJobStore>(static sp => sp.GetRequiredService<KillableJobStore>());
        }

        services.AddHttpClient(InvoiceOcr.Sdk.InvoiceOcrTelemetry.GeminiHttpClientName).AddHttpMessageHandler(() => new StatusCounter.Handler(tooMany));
        return new Instance(services.BuildServiceProvider(validateScopes: true));
    }

    /// <summary>One SDK instance (an application process): its services and hosted services, started and stopped as a host would.</summary>
    private sealed class Instance(ServiceProvider services) : IDisposable
    {
        private List<IHostedService>? _hosted;

        public IServiceProvider Services => services;

        public async Task StartAsync(CancellationToken cancellationToken)
        {
            _hosted = [.. services.GetServices<IHostedService>()];
            foreach (var hosted in _hosted)
            {
                await hosted.StartAsync(cancellationToken);
            }
        }

        public async Task StopAsync(CancellationToken cancellationToken)
        {
            foreach (var hosted in Enumerable.Reverse(_hosted ?? []))
            {
                await hosted.StopAsync(cancellationToken);
            }
        }

        public void Dispose() => services.Dispose();
    }

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(5), "timed out waiting for " + what);
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Counts the server's 429 answers across every instance.</summary>
    private sealed class StatusCounter
    {
        private int _count;

        public int Count => Volatile.Read(ref _count);

        internal sealed class Handler(StatusCounter counter) : DelegatingHandler
        {
            protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
            {
                var response = await base.SendAsync(request, cancellationToken);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    Interlocked.Increment(ref counter._count);
                }

                return response;
            }
        }
    }

    /// <summary>Scaled time that the test can move forward at once (to Pacific midnight).</summary>
    private sealed class JumpingClock(DateTimeOffset start, double factor) : TimeProvider
    {
        private readonly ScaledTimeProvider _inner = new(start, factor);
        private long _offsetTicks;

        public override DateTimeOffset GetUtcNow() => _inner.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _offsetTicks));

        public override long GetTimestamp() => _inner.GetTimestamp();

        public override long TimestampFrequency => _inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) => _inner.CreateTimer(callback, state, dueTime, period);

        public void JumpTo(DateTimeOffset instant)
        {
            var gap = instant - GetUtcNow();
            if (gap > TimeSpan.Zero)
            {
                Interlocked.Add(ref _offsetTicks, gap.Ticks);
            }
        }
    }

    /// <summary>A job store that stops answering, as if its process had died: every call after its first lease fails.</summary>
    private sealed class KillableJobStore(IInvoiceJobStore inner) : IInvoiceJobStore
    {
        private volatile bool _dead;

        public bool IsDead => _dead;

        public Task<InvoiceJob> CreateJobAsync(InvoiceJob job, CancellationToken cancellationToken) => Live(() => inner.CreateJobAsync(job, cancellationToken));

        public Task<InvoiceJob?> GetJobAsync(string jobId, CancellationToken cancellationToken) => Live(() => inner.GetJobAsync(jobId, cancellationToken));

        public Task<IReadOnlyList<InvoiceJob>> ListJobsAsync(string companyId, CancellationToken cancellationToken) => Live(() => inner.ListJobsAsync(companyId, cancellationToken));

        public Task<int> AddItemsAsync(string jobId, IReadOnlyList<NewInvoiceJobItem> items, DateTimeOffset now, CancellationToken cancellationToken) => Live(() => inner.AddItemsAsync(jobId, items, now, cancellationToken));

        public Task<InvoiceJobProgress> GetProgressAsync(string jobId, CancellationToken cancellationToken) => Live(() => inner.GetProgressAsync(jobId, cancellationToken));

        public Task<InvoiceJobItemPage> ListItemsAsync(InvoiceJobItemQuery query, CancellationToken cancellationToken) => Live(() => inner.ListItemsAsync(query, cancellationToken));

        public Task<InvoiceJobItem?> GetItemAsync(string itemId, CancellationToken cancellationToken) => Live(() => inner.GetItemAsync(itemId, cancellationToken));

        public Task<byte[]?> GetItemContentAsync(string itemId, CancellationToken cancellationToken) => Live(() => inner.GetItemContentAsync(itemId, cancellationToken));

        public Task<IReadOnlyList<InvoiceJobItemTransition>> ListTransitionsAsync(string itemId, CancellationToken cancellationToken) => Live(() => inner.ListTransitionsAsync(itemId, cancellationToken));

        public Task<InvoiceJobItem> TransitionItemAsync(InvoiceJobItemChange change, CancellationToken cancellationToken) => Live(() => inner.TransitionItemAsync(change, cancellationToken));

        public async Task<IReadOnlyList<InvoiceJobItem>> LeaseItemsAsync(InvoiceJobLeaseRequest request, CancellationToken cancellationToken)
        {
            var leased = await Live(() => inner.LeaseItemsAsync(request, cancellationToken));
            _dead |= leased.Count > 0;
            return leased;
        }

        public Task<int> RenewLeasesAsync(string workerId, IReadOnlyCollection<string> itemIds, DateTimeOffset leaseUntil, CancellationToken cancellationToken) => Live(() => inner.RenewLeasesAsync(workerId, itemIds, leaseUntil, cancellationToken));

        public Task<int> ParkCompanyAsync(string companyId, DateTimeOffset resumeAt, string reason, string? workerId, DateTimeOffset now, CancellationToken cancellationToken) => Live(() => inner.ParkCompanyAsync(companyId, resumeAt, reason, workerId, now, cancellationToken));

        public Task<int> ResumeDueAsync(DateTimeOffset now, string? workerId, CancellationToken cancellationToken) => Live(() => inner.ResumeDueAsync(now, workerId, cancellationToken));

        public Task<InvoiceJob> SetJobControlAsync(string jobId, InvoiceJobControl control, long? expectedVersion, DateTimeOffset now, CancellationToken cancellationToken) => Live(() => inner.SetJobControlAsync(jobId, control, expectedVersion, now, cancellationToken));

        public Task<int> RetryFailedAsync(string jobId, DateTimeOffset now, CancellationToken cancellationToken) => Live(() => inner.RetryFailedAsync(jobId, now, cancellationToken));

        public Task<IReadOnlyList<InvoiceJobItem>> CreateBatchAsync(InvoiceJobBatch batch, IReadOnlyList<InvoiceJobItemChange> changes, CancellationToken cancellationToken) => Live(() => inner.CreateBatchAsync(batch, changes, cancellationToken));

        public Task<InvoiceJobBatch?> UpdateBatchAsync(InvoiceJobBatch batch, long expectedVersion, CancellationToken cancellationToken) => Live(() => inner.UpdateBatchAsync(batch, expectedVersion, cancellationToken));

        public Task<InvoiceJobBatch?> GetBatchAsync(string batchId, CancellationToken cancellationToken) => Live(() => inner.GetBatchAsync(batchId, cancellationToken));

        public Task<IReadOnlyList<InvoiceJobBatch>> ListBatchesAsync(string? jobId, CancellationToken cancellationToken) => Live(() => inner.ListBatchesAsync(jobId, cancellationToken));

        private Task<T> Live<T>(Func<Task<T>> call) =>
            _dead ? Task.FromException<T>(new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, "This worker's process is gone.")) : call();
    }
}
