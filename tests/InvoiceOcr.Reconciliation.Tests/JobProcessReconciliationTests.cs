using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// A batch job of 5,000 documents processed by three job workers that are real OS processes (the reconciliation worker in jobs
/// mode: <c>AddInvoiceOcr(...).AddSqliteStore(...)</c> or <c>.AddPostgreSqlStore(...)</c> and <c>.AddJobs()</c>, as the README
/// registers them) on one store, against the emulator with 20 % injected faults and a per-day request limit on the project
/// (the SDK's key and the emulator's project alike) that runs out at about 40 % of the run. One worker is killed with SIGKILL
/// while it holds leases; its items are taken over after the visibility time-out. The job parks as QuotaExceeded with its
/// resume time; the test then moves the shared clock (150 times real time) past Pacific midnight in every process, and the job
/// resumes by itself and completes.
/// </summary>
/// <remarks>
/// Afterwards: every item is in exactly one terminal state along a valid path of <see cref="InvoiceJobTransitions"/>; no
/// transition was made by the dead worker after its death; every billed call the emulator recorded is one ledger row or one
/// of the dead worker's in-flight attempts named as outcome-unknown (matched through the test-only attempt header), and the
/// ledgers are equal per key; the server answered no request with a 429; and no document's answer was billed twice except
/// where the dead worker's request was billed and its answer died with the process (counted, and each such first billing is
/// named as outcome-unknown: nobody can know that answer, so the item is run again).
/// </remarks>
[Trait("Category", "Reconciliation")]
public sealed class JobProcessReconciliationTests
{
    private const int Documents = 5_000;
    private const int Workers = 3;
    private const int Doomed = 2;

    /// <summary>About 40 % of the run: each document takes about 1.25 requests (20 % faults, retried).</summary>
    private const int RequestsPerDay = 2_500;

    private const string Company = "c-jobs";
    private const string Project = "p-jobs";
    private const string KeyId = "jobs-p";
    private const string Secret = "test-key-jobs-processes-qrstuvwxyz";

    /// <summary>The SDK's total time-out (fake time): an operation claim lasts this plus a minute.</summary>
    private static readonly TimeSpan TotalTimeout = TimeSpan.FromHours(20);

    /// <summary>
    /// The reservations' time to live (fake time; it must outlive the total time-out): a journaled attempt holds its
    /// operation's claim until this long after it started, so a dead worker's claims lapse by then.
    /// </summary>
    private static readonly TimeSpan ReservationTimeToLive = TotalTimeout + TimeSpan.FromMinutes(2);

    // 00:05 PST: the day's quota runs out long before the natural Pacific midnight (24 fake hours, 576 real seconds, away).
    private static readonly DateTimeOffset Start = new(2026, 1, 14, 8, 5, 0, TimeSpan.Zero);

    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(8);

    /// <summary>
    /// How much faster than real time the shared clock runs: a quarter of the harness's 600, so that the natural Pacific
    /// midnight (which would reset the day's quota before the job parks) stays ~10 real minutes away however slow the machine;
    /// the test jumps to midnight itself once the job has parked.
    /// </summary>
    private const double Factor = 150;

    [Fact]
    public async Task Job_ThreeWorkerProcessesOnSqliteFaultsDailyQuotaAndAKilledProcess_ParksResumesAndReconciles() =>
        await RunAsync(postgreSql: false);

    [Fact]
    public async Task Job_ThreeWorkerProcessesOnPostgreSqlFaultsDailyQuotaAndAKilledProcess_ParksResumesAndReconciles() =>
        await RunAsync(postgreSql: true);

    private static async Task RunAsync(bool postgreSql)
    {
        var watch = Stopwatch.StartNew();
        await using var run = await JobRun.StartAsync(postgreSql);
        var keys = new[] { new HarnessKey(KeyId, Company, Project, Secret) };
        await run.Keys.AddAsync(
            new ApiKey { Id = KeyId, CompanyId = Company, ProjectId = Project, Secret = Secret, Rates = new QuotaLimits { RequestsPerDay = RequestsPerDay } },
            CancellationToken.None);

        var job = await run.Jobs.CreateJobAsync(new InvoiceJobRequest(Company) { JobKey = "month-end", RequestedBy = "alice", Branch = "Pune" }, CancellationToken.None);
        var documents = Enumerable.Range(1, Documents)
            .Select(n => InvoiceJobDocument.FromStream(new MemoryStream(TinyPdf.Create(1 + (n % 3), "Job invoice " + n.ToString(CultureInfo.InvariantCulture))), $"invoice-{n:D4}.pdf"))
            .ToList();
        Assert.Equal(new InvoiceJobAddResult(Documents, 0), await run.Jobs.AddDocumentsAsync(job.JobId, documents, CancellationToken.None));

        var workers = Enumerable.Range(0, Workers).Select(i => run.StartWorker(i, job.JobId)).ToArray();
        var doomed = workers[Doomed];
        var doomedId = WorkerId(Doomed);

        // Kill the third worker with SIGKILL once a tenth of the job is done and it holds leases.
        await WaitAsync(
            async () =>
            {
                Assert.All(workers, w => Assert.False(w.HasExited, w.Name + " exited early:\n" + string.Join('\n', w.Errors)));
                var progress = await run.JobStore.GetProgressAsync(job.JobId, CancellationToken.None);
                if (progress.Finished < Documents / 10)
                {
                    return false;
                }

                var processing = await run.JobStore.ListItemsAsync(new InvoiceJobItemQuery(job.JobId) { State = InvoiceJobItemState.Processing, PageSize = 1_000 }, CancellationToken.None);
                return processing.Items.Any(i => i.LeaseOwner == doomedId);
            },
            "a tenth of the job done and the third worker holding leases");
        doomed.Kill();
        var killedAt = run.Clock.GetUtcNow();
        var finishedAtKill = (await run.JobStore.GetProgressAsync(job.JobId, CancellationToken.None)).Finished;

        // The job parks (every open item QuotaExceeded) when the day's requests are used up: at about 40 % of the run, and again
        // the next day at about 80 % (a day admits 40 % of the job's requests). Each time the test jumps past Pacific midnight,
        // and past the dead worker's operation claims (each journaled attempt holds its claim for the reservation time to live
        // after it started, longer than the claim's own total time-out plus a minute) so its items can run again.
        // Parked, no item can be leased before its resume time: no live call spans a jump.
        var parks = new List<InvoiceJobStatus>();
        var realToPark = TimeSpan.Zero;
        InvoiceJobStatus final = null!;
        while (true)
        {
            InvoiceJobStatus status = null!;
            await WaitAsync(
                // A park whose resume time has passed is the last one still draining (its due items wait for a worker's
                // next round), not a new park: wait for a park that resumes in the future.
                async () => (status = (await run.Jobs.GetStatusAsync(job.JobId, CancellationToken.None))!) is { State: InvoiceJobState.QuotaExceeded, Progress.ResumesAt: { } resumesAt } && resumesAt > run.Clock.GetUtcNow()
                    || status.Progress.Finished == Documents,
                parks.Count == 0 ? "the job to park" : "the job to park again or finish");
            if (status.Progress.Finished == Documents)
            {
                final = status;
                break;
            }

            parks.Add(status);
            realToPark = parks.Count == 1 ? watch.Elapsed : realToPark;
            var dayEnd = QuotaWindows.DayEnd(run.Clock.GetUtcNow());
            Assert.InRange(status.Progress.ResumesAt!.Value, dayEnd, dayEnd.AddMinutes(30));
            Assert.True(parks.Count <= 3, "The job parked more than three times.");
            var claimsLapse = killedAt + ReservationTimeToLive + TimeSpan.FromMinutes(10);
            run.Clock.JumpTo(status.Progress.ResumesAt.Value > claimsLapse ? status.Progress.ResumesAt.Value : claimsLapse);
            await WaitAsync(
                async () => (status = (await run.Jobs.GetStatusAsync(job.JobId, CancellationToken.None))!).State != InvoiceJobState.QuotaExceeded,
                "the job to resume");
        }

        Assert.True(parks.Count > 0, "The job finished without parking: the day limit did not bind.");
        var parked = parks[0];
        var midnight = QuotaWindows.DayEnd(parked.Progress.ResumesAt!.Value.AddMinutes(-30));
        Assert.InRange(parked.Progress.Finished, Documents / 4, Documents * 6 / 10);

        foreach (var worker in workers.Where(w => w != doomed))
        {
            Assert.True(await worker.WaitForExitAsync(TimeSpan.FromMinutes(2)) == 0, worker.Name + " failed:\n" + string.Join('\n', worker.Errors));
        }

        // Every item in exactly one terminal state, along a valid path; the dead worker made no move after its death.
        Assert.Contains(final.State, new[] { InvoiceJobState.Completed, InvoiceJobState.PartiallyProcessed });
        var items = new List<InvoiceJobItem>();
        for (int? after = 0; after is { } a;)
        {
            var page = await run.Jobs.ListItemsAsync(new InvoiceJobItemQuery(job.JobId) { After = a, PageSize = 1_000 }, CancellationToken.None);
            items.AddRange(page.Items);
            after = page.NextAfter;
        }

        Assert.Equal(Documents, items.Count);
        Assert.All(items, i => Assert.True(InvoiceJobTransitions.IsTerminal(i.State), $"{i.ItemId} ended {i.State}"));
        var resumedAfterMidnight = 0;
        var takenOverFromTheDead = 0;
        var itemOfOperation = items.ToDictionary(i => i.OperationId, i => i, StringComparer.Ordinal);
        foreach (var item in items)
        {
            var history = await run.Jobs.ListTransitionsAsync(item.ItemId, CancellationToken.None);
            Assert.True(InvoiceJobTransitions.IsValidPath(history), item.ItemId);
            Assert.Equal(1, history.Count(t => InvoiceJobTransitions.IsTerminal(t.To)) - history.Count(t => t.From == InvoiceJobItemState.Failed));
            Assert.All(history.Where(t => t.WorkerId == doomedId), t => Assert.True(t.At <= killedAt + TimeSpan.FromMinutes(1), $"{item.ItemId}: the dead worker moved it at {t.At:o}"));
            resumedAfterMidnight += history.Any(t => t is { From: InvoiceJobItemState.QuotaExceeded, To: InvoiceJobItemState.Pending } && t.At >= midnight) ? 1 : 0;
            takenOverFromTheDead += history.Zip(history.Skip(1)).Any(p => p.First.To == InvoiceJobItemState.Processing && p.First.WorkerId == doomedId &&
                p.Second is { From: InvoiceJobItemState.Processing, To: InvoiceJobItemState.Processing } && p.Second.WorkerId != doomedId) ? 1 : 0;
        }

        Assert.True(resumedAfterMidnight > 0, "no item resumed after Pacific midnight");
        Assert.True(takenOverFromTheDead >= 1, "none of the killed worker's items was taken over");

        // Attempts still in flight in the journal are resolved as outcome-unknown (what a start-up with no other instance running
        // does): the dead worker's, and every attempt whose answer never came (a reset or cut-off connection; the SDK cannot
        // know whether it was billed). Every billed call is one ledger row or one of them; the ledgers are equal per key.
        _ = await run.Operations.ResolveInFlightAttemptsAsync(run.Clock.GetUtcNow(), CancellationToken.None);
        var unknown = await run.Operations.ListUnknownOutcomeAttemptsAsync(null, CancellationToken.None);
        var sdk = await run.Ledger.ListAsync(new UsageQuery(Company), CancellationToken.None);
        var entries = run.Emulator.Ledger.Entries;
        Assert.DoesNotContain(entries, e => e.AnswerLost); // no lost-answer faults here: only the kill loses answers
        Assert.All(entries, e => Assert.False(string.IsNullOrEmpty(e.TestAttempt), "A billed call carried no attempt id."));
        var rows = sdk.ToDictionary(r => r.Id, StringComparer.Ordinal);
        var unknownById = unknown.ToDictionary(u => u.AttemptId, StringComparer.Ordinal);
        var missing = entries.Where(e => !rows.ContainsKey(e.TestAttempt!)).ToList();
        Assert.All(missing, e => Assert.True(unknownById.ContainsKey(e.TestAttempt!), $"Billed call {e.ResponseId} (attempt {e.TestAttempt}) is neither in the ledger nor named as outcome-unknown."));
        Assert.InRange(missing.Count, 0, 4); // without lost-answer faults, only the dead worker's requests (its 4 slots) lost a billed answer
        Reconciliation.AssertLedgersEqual([.. entries.Where(e => rows.ContainsKey(e.TestAttempt!))], keys, sdk);

        // Nothing billed twice: one success row per completed item, and per document at most one answer the emulator billed,
        // except a dead worker's request whose answer died with it (named above as outcome-unknown).
        var billedSuccesses = sdk.Where(r => r.Outcome == UsageOutcome.Success).GroupBy(r => r.OperationId).ToList();
        foreach (var doubled in billedSuccesses.Where(g => g.Count() > 1))
        {
            var item = itemOfOperation[doubled.Key];
            var history = await run.Jobs.ListTransitionsAsync(item.ItemId, CancellationToken.None);
            Assert.Fail(string.Create(
                CultureInfo.InvariantCulture,
                $"Operation {doubled.Key} ({item.FileName}) has {doubled.Count()} billed successes: {string.Join(", ", doubled.Select(r => $"attempt {r.Attempt} {r.StartedAt:HH:mm:ss}-{r.CompletedAt:HH:mm:ss}"))}; " +
                $"the kill was at {killedAt:HH:mm:ss}; its transitions: {string.Join(" | ", history.Select(t => $"{t.At:HH:mm:ss} {t.WorkerId} {t.From}>{t.To} {t.Reason}"))}; " +
                $"worker lines naming it: {string.Join(" | ", workers.SelectMany(w => w.Lines.Where(l => l.Contains(doubled.Key, StringComparison.Ordinal) || l.Contains(item.ItemId, StringComparison.Ordinal)).Select(l => w.Name + ": " + l)).Take(10))}"));
        }
        Assert.Equal(items.Count(i => i.State == InvoiceJobItemState.Completed), billedSuccesses.Count);
        var answersByOperation = entries
            .Where(e => e.Fault == EmulatorFaultKind.None)
            .GroupBy(e => rows.TryGetValue(e.TestAttempt!, out var row) ? row.OperationId : unknownById[e.TestAttempt!].OperationId, StringComparer.Ordinal)
            .ToList();
        Assert.All(answersByOperation, g => Assert.True(itemOfOperation.ContainsKey(g.Key), "A billed answer belongs to no item: " + g.Key));
        var twice = answersByOperation.Where(g => g.Count() > 1).ToList();
        Assert.All(twice, g => Assert.True(
            g.Count() == 2 && g.Count(e => unknownById.ContainsKey(e.TestAttempt!)) == 1,
            $"Operation {g.Key} was billed {g.Count()} answers: {string.Join(", ", g.Select(e => e.TestAttempt))}"));

        // The server refused nothing with a 429 (each worker prints one line per 429 it received).
        var tooMany = workers.Sum(w => w.Lines.Count(l => l.StartsWith("http 429", StringComparison.Ordinal)));
        Assert.Equal(0, tooMany);

        watch.Stop();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Create(
            CultureInfo.InvariantCulture,
            $"jobs over {Workers} processes on {(postgreSql ? "PostgreSQL" : "SQLite")}: {Documents} documents, {final.Progress.Completed} completed, {final.Progress.Failed} failed, {entries.Count} billed calls; " +
            $"killed at {finishedAtKill} finished, {takenOverFromTheDead} of its items taken over, {missing.Count} of its billed requests lost with it ({unknown.Count} attempts outcome-unknown in all), {twice.Count} documents billed again after the kill; " +
            $"parked after {string.Join(" and ", parks.Select(p => p.Progress.Finished))} ({realToPark.TotalSeconds:F0} s to the first), {resumedAfterMidnight} resumed after a midnight; {tooMany} server 429s; {watch.Elapsed.TotalSeconds:F0} s in all"));
    }

    private static string WorkerId(int index) => "worker-" + index.ToString(CultureInfo.InvariantCulture);

    private static async Task WaitAsync(Func<Task<bool>> condition, string what)
    {
        var watch = Stopwatch.StartNew();
        while (!await condition())
        {
            Assert.True(watch.Elapsed < Timeout, "timed out waiting for " + what);
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>
    /// The run: the emulator and the test's view of the store in this process, on one jumpable clock; the workers' settings; a
    /// fresh SQLite file or PostgreSQL database.
    /// </summary>
    private sealed class JobRun : IAsyncDisposable
    {
        private const string PostgreSqlServer = "Host=127.0.0.1;Port=55432;Username=invoiceocr;Password=invoiceocr-test;Database=postgres";
        private const string Schema = "InvoiceOcr";

        private readonly List<WorkerProcess> _workers = [];
        private readonly List<Func<ValueTask>> _cleanup = [];
        private string _settingsPath = string.Empty;

        public JumpableClock Clock { get; private set; } = null!;

        public GeminiEmulator Emulator { get; private set; } = null!;

        public IApiKeyStore Keys { get; private set; } = null!;

        public IUsageLedger Ledger { get; private set; } = null!;

        public IOperationStore Operations { get; private set; } = null!;

        public IInvoiceJobStore JobStore { get; private set; } = null!;

        public IInvoiceJobs Jobs { get; private set; } = null!;

        private static string ServerConnectionString =>
            Environment.GetEnvironmentVariable(PostgreSqlMultiProcessRun.ConnectionStringVariable) is { Length: > 0 } configured ? configured : PostgreSqlServer;

        public static async Task<JobRun> StartAsync(bool postgreSql)
        {
            var run = new JobRun();
            try
            {
                await run.InitializeAsync(postgreSql);
                return run;
            }
            catch
            {
                await run.DisposeAsync();
                throw;
            }
        }

        public WorkerProcess StartWorker(int index, string jobId)
        {
            var worker = WorkerProcess.Start(
                WorkerId(index),
                "--settings=" + _settingsPath,
                string.Create(CultureInfo.InvariantCulture, $"--Worker:Index={index}"),
                "--Worker:JobId=" + jobId,
                "--InvoiceOcr:Jobs:WorkerId=" + WorkerId(index),
                string.Create(CultureInfo.InvariantCulture, $"--InvoiceOcr:KeyPool:RandomSeed={16 + index}"));
            _workers.Add(worker);
            return worker;
        }

        public async ValueTask DisposeAsync()
        {
            foreach (var worker in _workers)
            {
                worker.Dispose();
            }

            for (var i = _cleanup.Count - 1; i >= 0; i--)
            {
                try
                {
                    await _cleanup[i]();
                }
                catch (Exception ex) when (ex is IOException or NpgsqlException)
                {
                    // The OS cleans the temp folder; a leftover must not fail the run.
                }
            }
        }

        private async Task InitializeAsync(bool postgreSql)
        {
            var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "invoiceocr-job-processes", Guid.NewGuid().ToString("N"))).FullName;
            _cleanup.Add(() =>
            {
                Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
                Directory.Delete(directory, recursive: true);
                return ValueTask.CompletedTask;
            });

            var epoch = TimeProvider.System.GetUtcNow();
            var scaled = new ScaledTimeProvider(Start, Factor, epoch);
            var clockFile = Path.Combine(directory, "clock.offset");
            Clock = JumpableClock.ForTest(scaled, clockFile);

            var emulatorOptions = ReconciliationHarness.CreateEmulatorOptions([new HarnessKey(KeyId, Company, Project, Secret)], seed: 16_005);
            emulatorOptions.Projects[Project] = new EmulatorProjectOptions { RequestsPerDay = RequestsPerDay, Tier = EmulatorTier.Paid };
            Emulator = await GeminiEmulator.StartAsync(emulatorOptions, Clock);
            _cleanup.Add(() => Emulator.DisposeAsync());

            JsonObject storeSettings;
            var services = new ServiceCollection();
            services.AddLogging();
            services.AddSingleton<TimeProvider>(Clock);
            var sdk = services.AddInvoiceOcr(o => o.Gemini.BaseAddress = Emulator.BaseAddress);
            var masterKeys = new JsonObject { ["CurrentKeyId"] = "k1", ["MasterKeys"] = new JsonObject { ["k1"] = ReconciliationHarness.MasterKey } };
            if (postgreSql)
            {
                var databaseName = "invoiceocr_jobs_" + Guid.NewGuid().ToString("N")[..16];
                await using (var server = new NpgsqlConnection(ServerConnectionString))
                {
                    await server.OpenAsync();
                    await using var create = new NpgsqlCommand($"CREATE DATABASE \"{databaseName}\";", server);
                    await create.ExecuteNonQueryAsync();
                }

                _cleanup.Add(async () =>
                {
                    NpgsqlConnection.ClearAllPools();
                    await using var server = new NpgsqlConnection(ServerConnectionString);
                    await server.OpenAsync();
                    await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{databaseName}\" WITH (FORCE);", server);
                    await drop.ExecuteNonQueryAsync();
                });
                var connectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = databaseName, MaxPoolSize = 32 }.ConnectionString;
                var options = new PostgreSqlStoreOptions { ConnectionString = connectionString, SchemaName = Schema, OutboxDirectory = Path.Combine(directory, "test-outbox") };
                options.SecretProtection.CurrentKeyId = "k1";
                options.SecretProtection.MasterKeys["k1"] = ReconciliationHarness.MasterKey;
                var store = new PostgreSqlInvoiceOcrStore(options, Clock);
                _cleanup.Add(() => store.DisposeAsync());
                await store.InitializeAsync();
                (Keys, Ledger, Operations, JobStore) = (store, store, store, new PostgreSqlInvoiceJobStore(options));
                storeSettings = new JsonObject
                {
                    [nameof(PostgreSqlStoreOptions.ConnectionString)] = connectionString,
                    [nameof(PostgreSqlStoreOptions.SchemaName)] = Schema,
                    [nameof(PostgreSqlStoreOptions.CommandTimeout)] = "00:05:00",
                    [nameof(PostgreSqlStoreOptions.OutboxDirectory)] = Path.Combine(directory, "outbox"),
                    ["SecretProtection"] = masterKeys,
                };
            }
            else
            {
                var databasePath = Path.Combine(directory, "store.db");
                var options = new SqliteStoreOptions { DatabasePath = databasePath, BusyTimeout = TimeSpan.FromSeconds(30) };
                options.SecretProtection.CurrentKeyId = "k1";
                options.SecretProtection.MasterKeys["k1"] = ReconciliationHarness.MasterKey;
                var store = new SqliteInvoiceOcrStore(options, Clock);
                await store.InitializeAsync();
                (Keys, Ledger, Operations, JobStore) = (store, store, store, new SqliteInvoiceJobStore(options));
                storeSettings = new JsonObject
                {
                    [nameof(SqliteStoreOptions.DatabasePath)] = databasePath,
                    ["BusyTimeout"] = "00:00:30",
                    ["SecretProtection"] = masterKeys,
                };
            }

            // The test's own IInvoiceJobs (an application that submits and watches, and runs no worker) on the same store.
            sdk.AddJobs(o => o.RunWorker = false);
            services.Replace(ServiceDescriptor.Singleton(JobStore));
            var provider = services.BuildServiceProvider();
            _cleanup.Add(() => provider.DisposeAsync());
            Jobs = provider.GetRequiredService<IInvoiceJobs>();

            // What a user's appsettings.json would hold (the same SDK options as the in-process job run), plus the run.
            var settings = new JsonObject
            {
                ["InvoiceOcr"] = new JsonObject
                {
                    ["EInvoiceMode"] = nameof(EInvoiceMode.ModelOnly),
                    ["Gemini"] = new JsonObject { ["BaseAddress"] = Emulator.BaseAddress.ToString() },
                    ["Documents"] = new JsonObject { ["PdfParseTimeout"] = "01:00:00" }, // fake time: 24 real seconds
                    ["KeyPool"] = new JsonObject { ["ReservationTimeToLive"] = ReservationTimeToLive.ToString("c", CultureInfo.InvariantCulture) },
                    ["Retry"] = new JsonObject
                    {
                        ["InitialDelay"] = "00:00:00.200",
                        ["MaxDelay"] = "00:00:02",
                        ["AttemptTimeout"] = "12:00:00", // fake time: ~5 real minutes, so no attempt is cut off mid-billing
                        ["TotalTimeout"] = TotalTimeout.ToString("c", CultureInfo.InvariantCulture),
                    },
                    [postgreSql ? "PostgreSql" : "Sqlite"] = storeSettings,
                    [nameof(Jobs)] = new JsonObject
                    {
                        ["Concurrency"] = 4,
                        ["PollInterval"] = "00:00:05", // 33 real ms
                        ["VisibilityTimeout"] = "00:30:00", // 12 real seconds
                        ["HeartbeatInterval"] = "00:05:00", // 2 real seconds
                        ["RetryDelay"] = "00:00:30",
                        ["MaxAttempts"] = 4,
                    },
                },
                ["Worker"] = new JsonObject
                {
                    ["Store"] = postgreSql ? "PostgreSql" : "Sqlite",
                    ["Start"] = Start.ToString("O", CultureInfo.InvariantCulture),
                    ["Epoch"] = epoch.ToString("O", CultureInfo.InvariantCulture),
                    [nameof(Factor)] = Factor,
                    ["ClockFile"] = clockFile,
                    ["Workers"] = Workers,
                    ["Calls"] = 0,
                    ["Concurrency"] = 1,
                    ["Companies"] = 1,
                },
            };
            _settingsPath = Path.Combine(directory, "worker.settings.json");
            await File.WriteAllTextAsync(_settingsPath, settings.ToJsonString());
        }
    }
}
