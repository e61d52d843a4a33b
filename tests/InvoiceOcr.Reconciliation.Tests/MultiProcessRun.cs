using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk;
using Microsoft.Data.Sqlite;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// The multi-process reconciliation run: the emulator (same keys, faults and limits as the in-process runs) in the test
/// process, one SQLite file with the keys in it, and reconciliation workers started as real OS processes on that file,
/// each registering the SDK from a settings file as a user does. The emulator and the workers read one fake clock,
/// scaled 600× from a common real-time epoch passed in the settings.
/// </summary>
internal sealed class MultiProcessRun : IAsyncDisposable
{
    public static readonly TimeSpan WorkerTimeout = TimeSpan.FromMinutes(10);

    /// <summary>
    /// c1-a's requests per Pacific day in these runs: lower than the in-process runs' because they make fewer calls (the
    /// CI time budget), so the limit is still reached and must still hold.
    /// </summary>
    public const int RequestsPerDayC1A = 90;

    private readonly string _directory;
    private readonly string _settingsPath;
    private readonly int _seed;
    private readonly List<WorkerProcess> _workers = [];

    private MultiProcessRun(string directory, string settingsPath, int seed, ScaledTimeProvider clock, GeminiEmulator emulator, IReadOnlyList<HarnessKey> keys, SqliteInvoiceOcrStore store, int workers, int calls, int concurrency)
    {
        _directory = directory;
        _settingsPath = settingsPath;
        _seed = seed;
        Clock = clock;
        Emulator = emulator;
        Keys = keys;
        Store = store;
        Workers = workers;
        Calls = calls;
        Concurrency = concurrency;
    }

    /// <summary>Gets the fake clock the emulator and the workers share.</summary>
    public ScaledTimeProvider Clock { get; }

    public GeminiEmulator Emulator { get; }

    public IReadOnlyList<HarnessKey> Keys { get; }

    /// <summary>Gets the test's own view of the shared store (reads only, once the workers are done).</summary>
    public SqliteInvoiceOcrStore Store { get; }

    public int Workers { get; }

    public int Calls { get; }

    public int Concurrency { get; }

    public string DatabasePath => Path.Combine(_directory, "store.db");

    public string OutboxDirectory => DatabasePath + ".outbox";

    /// <summary>Every worker process started, in order (a restarted worker is a new process).</summary>
    public IReadOnlyList<WorkerProcess> AllWorkers => _workers;

    /// <summary>
    /// Starts the emulator, creates the store with the keys, and writes the workers' settings.
    /// <paramref name="busyTimeout"/> is how long a worker's SQLite write waits on another writer before the store
    /// counts as unavailable (keys from the fallback list, usage to the outbox); <paramref name="outboxReplayInterval"/> (fake
    /// time) how often a worker's background loop replays outbox files (a worker also replays them when it starts and
    /// before it exits). With <paramref name="idempotent"/> each call carries the idempotency key "call-n", so a restarted
    /// worker can run its share again without billing a finished call twice (at the price of a few ledger reads per call).
    /// </summary>
    /// <remarks>With <paramref name="races"/> the workers run that many idempotency races instead of their share of calls (see
    /// <see cref="RaceReconciliationTests"/>); <paramref name="faults"/> off leaves the emulator without injected faults, and
    /// <paramref name="lostAnswers"/> adds the faults that bill a call and lose its answer.</remarks>
    public static async Task<MultiProcessRun> StartAsync(
        int seed, int workers, int calls, int concurrency, TimeSpan busyTimeout, TimeSpan outboxReplayInterval, bool idempotent, int races = 0, bool faults = true, bool lostAnswers = false)
    {
        var keys = ReconciliationHarness.CreateKeys(seed);
        var epoch = TimeProvider.System.GetUtcNow();
        var clock = new ScaledTimeProvider(ReconciliationHarness.Start, ReconciliationHarness.Factor, epoch);
        var emulatorOptions = ReconciliationHarness.CreateEmulatorOptions(keys, seed, lostAnswers);
        if (!faults)
        {
            emulatorOptions.Faults.Rates.Clear();
        }

        var emulator = await GeminiEmulator.StartAsync(emulatorOptions, clock);
        var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "invoiceocr-reconciliation", Guid.NewGuid().ToString("N"))).FullName;
        var databasePath = Path.Combine(directory, "store.db");
        var storeOptions = new SqliteStoreOptions { DatabasePath = databasePath, BusyTimeout = TimeSpan.FromSeconds(30) };
        storeOptions.SecretProtection.CurrentKeyId = "k1";
        storeOptions.SecretProtection.MasterKeys["k1"] = ReconciliationHarness.MasterKey;
        var store = new SqliteInvoiceOcrStore(storeOptions, clock);
        await store.InitializeAsync();
        foreach (var key in keys)
        {
            Assert.True(await store.AddAsync(ReconciliationHarness.ToApiKey(key, RequestsPerDayC1A), CancellationToken.None), "Key " + key.Id + " was not added.");
        }

        var fallbackKeys = new JsonArray();
        foreach (var key in keys.Where(k => ReconciliationHarness.IsFallbackKey(k.Id)))
        {
            fallbackKeys.Add(new JsonObject { ["Id"] = key.Id, ["CompanyId"] = key.CompanyId, ["Secret"] = key.Secret, ["ProjectId"] = key.Project });
        }

        // What a user's appsettings.json would hold (the same options the in-process harness sets in code), plus the run.
        var settings = new JsonObject
        {
            ["InvoiceOcr"] = new JsonObject
            {
                ["EInvoiceMode"] = nameof(EInvoiceMode.ModelOnly),
                ["Gemini"] = new JsonObject { ["BaseAddress"] = emulator.BaseAddress.ToString(), ["ThinkingBudget"] = -1 }, // the run's model thinks: thinking tokens are metered

                // Fake time: 6 real seconds (the default 30 s would be 50 ms, and a busy machine's cold start would reject valid PDFs).
                ["Documents"] = new JsonObject { ["PdfParseTimeout"] = "01:00:00" },
                ["KeyPool"] = new JsonObject
                {
                    ["ReservationTimeToLive"] = "1.00:00:00",
                    ["FallbackKeys"] = fallbackKeys,
                },
                ["Retry"] = new JsonObject
                {
                    ["InitialDelay"] = "00:00:00.200",
                    ["MaxDelay"] = "00:00:02",
                    ["AttemptTimeout"] = "12:00:00", // fake time: 72 real seconds, so no attempt is cut off mid-billing
                    ["TotalTimeout"] = "20:00:00",
                },
                ["Sqlite"] = new JsonObject
                {
                    [nameof(SqliteStoreOptions.DatabasePath)] = databasePath,
                    ["BusyTimeout"] = busyTimeout.ToString("c", CultureInfo.InvariantCulture),
                    ["OutboxReplayInterval"] = outboxReplayInterval.ToString("c", CultureInfo.InvariantCulture),
                    ["SecretProtection"] = new JsonObject { ["CurrentKeyId"] = "k1", ["MasterKeys"] = new JsonObject { ["k1"] = ReconciliationHarness.MasterKey } },
                },
            },
            ["Worker"] = new JsonObject
            {
                ["Start"] = ReconciliationHarness.Start.ToString("O", CultureInfo.InvariantCulture),
                ["Epoch"] = epoch.ToString("O", CultureInfo.InvariantCulture),
                ["Factor"] = ReconciliationHarness.Factor,
                [nameof(Workers)] = workers,
                [nameof(Calls)] = calls,
                [nameof(Concurrency)] = concurrency,
                ["Companies"] = ReconciliationHarness.Companies,
                ["Idempotent"] = idempotent,
                ["Races"] = races,
            },
        };
        var settingsPath = Path.Combine(directory, "worker.settings.json");
        await File.WriteAllTextAsync(settingsPath, settings.ToJsonString());
        return new MultiProcessRun(directory, settingsPath, seed, clock, emulator, keys, store, workers, calls, concurrency);
    }

    /// <summary>
    /// Starts worker <paramref name="index"/> (again, after a kill: same settings, same file, a new process);
    /// <paramref name="overrides"/> are further command-line settings (<c>--Section:Key=value</c>).
    /// </summary>
    public WorkerProcess StartWorker(int index, params string[] overrides)
    {
        var life = _workers.Count(w => w.Name.StartsWith("worker-" + index.ToString(CultureInfo.InvariantCulture) + "/", StringComparison.Ordinal));
        var worker = WorkerProcess.Start(
            string.Create(CultureInfo.InvariantCulture, $"worker-{index}/{life}"),
            [
                "--settings=" + _settingsPath,
                string.Create(CultureInfo.InvariantCulture, $"--Worker:Index={index}"),
                string.Create(CultureInfo.InvariantCulture, $"--InvoiceOcr:KeyPool:RandomSeed={_seed + (100 * life) + index}"),
                .. overrides,
            ]);
        _workers.Add(worker);
        return worker;
    }

    /// <summary>The call numbers worker <paramref name="index"/> makes.</summary>
    public IEnumerable<int> ShareOf(int index) => Enumerable.Range(0, Calls).Where(i => i % Workers == index);

    /// <summary>
    /// Takes the store away from the workers: a connection in this process holds the write lock (BEGIN EXCLUSIVE), so
    /// their reads still work but every write waits its busy timeout and fails as unavailable, until the handle is disposed.
    /// </summary>
    public async Task<IAsyncDisposable> TakeStoreDownAsync()
    {
        var connection = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        await connection.OpenAsync();
        await using (var begin = connection.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE;";
            await begin.ExecuteNonQueryAsync();
        }

        return connection; // disposing a connection with an open transaction rolls it back and releases the lock
    }

    public async Task<IReadOnlyList<UsageRecord>> ListSdkUsageAsync()
    {
        var all = new List<UsageRecord>();
        for (var c = 0; c < ReconciliationHarness.Companies; c++)
        {
            all.AddRange(await Store.ListAsync(new UsageQuery("c" + c.ToString(CultureInfo.InvariantCulture)), CancellationToken.None));
        }

        return all;
    }

    /// <summary>The attempts the store names as outcome-unknown.</summary>
    public async Task<IReadOnlyList<UnknownOutcomeAttempt>> ListUnknownOutcomeAttemptsAsync() =>
        await Store.ListUnknownOutcomeAttemptsAsync(null, CancellationToken.None);

    /// <summary>
    /// Once every worker has exited: resolves the attempts still in flight in the journal as outcome-unknown (what a
    /// start-up with no other instance running does), then lists every unknown-outcome attempt.
    /// </summary>
    public async Task<IReadOnlyList<UnknownOutcomeAttempt>> ResolveAndListUnknownOutcomesAsync()
    {
        Assert.All(_workers, w => Assert.True(w.HasExited, w.Name + " is still running."));
        _ = await Store.ResolveInFlightAttemptsAsync(Clock.GetUtcNow(), CancellationToken.None);
        return await ListUnknownOutcomeAttemptsAsync();
    }

    /// <summary>Reservations still held in the store, per key (a settled or released reservation is deleted).</summary>
    public async Task<IReadOnlyDictionary<string, int>> ListOpenReservationsAsync()
    {
        var open = new Dictionary<string, int>(StringComparer.Ordinal);
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT TokenId, COUNT(*) FROM QuotaReservations GROUP BY TokenId;";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            open[reader.GetString(0)] = reader.GetInt32(1);
        }

        return open;
    }

    /// <summary>Every text column of every ApplicationLogs row.</summary>
    public async Task<IReadOnlyList<string>> ReadApplicationLogsAsync()
    {
        var texts = new List<string>();
        await using var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT Category, EventName, Message, Exception, Scope, CompanyId FROM ApplicationLogs;";
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var row = new StringBuilder("ApplicationLogs");
            for (var i = 0; i < reader.FieldCount; i++)
            {
                row.Append(' ').Append(reader.IsDBNull(i) ? string.Empty : reader.GetString(i));
            }

            texts.Add(row.ToString());
        }

        return texts;
    }

    /// <summary>Outbox files (usage and retries) waiting to be replayed.</summary>
    public int PendingOutboxFiles() =>
        Directory.Exists(OutboxDirectory) ? Directory.EnumerateFiles(OutboxDirectory, "*.jsonl", SearchOption.AllDirectories).Count() : 0;

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            worker.Dispose();
        }

        await Emulator.DisposeAsync();
        SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // The OS cleans the temp folder; a leftover file must not fail the run.
        }
    }
}
