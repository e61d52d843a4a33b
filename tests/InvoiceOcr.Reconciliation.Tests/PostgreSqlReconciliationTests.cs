using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk;
using Npgsql;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>
/// Many application instances on one PostgreSQL server, as users who outgrow one machine run them: four OS processes,
/// each registering the SDK from a settings file (<c>AddInvoiceOcr</c> + <c>AddPostgreSqlStore</c>, same schema, same
/// master key), make their share of the calls 64 at a time across four companies and eight keys against the emulator,
/// with 20 % faults, per-minute 429s on the shared project, a lifetime budget and a per-day request limit that bind.
/// Afterwards every billed call is one row of the server's ledger or one attempt named as outcome-unknown, per key and
/// every token kind; no limit was passed; every key's running total is its ledger rows plus its unknown-outcome attempts,
/// to the token; and nothing stays reserved.
/// </summary>
/// <remarks>
/// The server is the one eng/prerequisites/postgresql.sh starts (127.0.0.1:55432) or <c>INVOICEOCR_POSTGRES_CONNECTIONSTRING</c>;
/// the run creates a database of its own and drops it.
/// </remarks>
[Trait("Category", "Reconciliation")]
public sealed class PostgreSqlReconciliationTests
{
    private const int Workers = 4;
    private const int Concurrency = 64;

    /// <summary>400 calls per process: the limits bind, and the run stays within its CI time budget (~1 minute here).</summary>
    private const int Calls = 1_600;

    [Fact]
    public async Task ExtractAsync_FourOsProcessesOnOnePostgreSqlServer_LedgersMatchExactlyAndLimitsHoldAcrossProcesses()
    {
        await using var run = await PostgreSqlMultiProcessRun.StartAsync(seed: 20261203, Workers, Calls, Concurrency);

        var workers = Enumerable.Range(0, Workers).Select(i => run.StartWorker(i)).ToArray();
        foreach (var worker in workers)
        {
            Assert.True(await worker.WaitForExitAsync(MultiProcessRun.WorkerTimeout) == 0, worker.Name + " failed:\n" + string.Join('\n', worker.Errors));
        }

        // Each process made every call of its share, once, and each call returned or threw a typed InvoiceOcrException.
        for (var index = 0; index < workers.Length; index++)
        {
            var (begun, ended) = workers[index].Journal();
            Assert.Equal(run.ShareOf(index).Order(), begun.Order());
            Assert.Equal(begun.Order(), ended.Keys.Order());
            Assert.Contains(ended.Values, e => e[0] == "ok");
        }

        var entries = run.Emulator.Ledger.Entries;
        var sdk = await run.ListSdkUsageAsync();

        // Under fire: 429s, server errors and billed failures happened, and most admitted calls were billed.
        var lines = workers.SelectMany(w => w.Lines).ToList();
        Assert.Contains(lines, l => l.Contains(nameof(InvoiceOcrErrorKind.RateLimitedPerMinute), StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(nameof(InvoiceOcrErrorKind.ServerError), StringComparison.Ordinal));
        Assert.Contains(sdk, r => r.Outcome == UsageOutcome.Failure);
        // Calls stopped by a limit are left out: how many there are depends on the machine's speed against the 600x clock.
        var refusedLocally = lines.Count(l => l.StartsWith("end ", StringComparison.Ordinal) && l.Split(' ') is [_, _, "failed", var kind, ..] && Enum.TryParse<InvoiceOcrErrorKind>(kind, out var k) && Reconciliation.IsLimit(k));
        Assert.True(entries.Count >= (Calls - refusedLocally) * 6 / 10, $"Only {entries.Count} billed calls out of {Calls - refusedLocally} not stopped by a limit.");

        // Every success a process saw is a billed response in the shared ledger.
        var responses = sdk.Select(r => r.ResponseId).ToHashSet(StringComparer.Ordinal);
        foreach (var worker in workers)
        {
            Assert.All(worker.Journal().Ended.Values.Where(e => e[0] == "ok").Select(e => e[2]), id => Assert.Contains(id, responses));
        }

        // Every billed call is one ledger row or one attempt named as outcome-unknown (its answer lost), per key and every
        // token kind, matched through the test header.
        _ = await run.TestStore.ResolveInFlightAttemptsAsync(run.Clock.GetUtcNow(), CancellationToken.None);
        var unknown = await run.TestStore.ListUnknownOutcomeAttemptsAsync(null, CancellationToken.None);
        Reconciliation.AssertLedgersEqual(entries, run.Keys, sdk, unknown);
        Assert.Contains(entries, e => e.AnswerLost);
        Reconciliation.AssertEveryTokenKind(entries, sdk);
        Reconciliation.AssertLimitsHeld(entries, sdk, await run.TestStore.GetAsync("c0-a", CancellationToken.None), MultiProcessRun.RequestsPerDayC1A);

        // The server saw no deadlock while four processes reserved, settled and reclaimed on the same keys.
        Assert.Equal(0L, await run.DeadlocksAsync());

        // No outage: every attempt ended in the store, so nothing stays reserved and each key's running total, kept by four
        // processes on one server, is exactly its ledger rows plus its unknown-outcome attempts at their estimate.
        Assert.All(workers, w => Assert.Equal(0, w.Diversions));
        Assert.Equal(0L, await run.ScalarAsync("SELECT COUNT(*) FROM \"{schema}\".\"QuotaReservations\";"));
        await Reconciliation.AssertCountersEqualLedgerAsync(run.TestStore, run.TestStore, run.Keys, sdk, unknown, run.Clock.GetUtcNow(), dayWindows: false);
        var billed = run.Emulator.Ledger.TotalsByKey();

        var applicationLogs = await run.ReadApplicationLogsAsync();
        Assert.True(applicationLogs.Count > 1_000, $"Only {applicationLogs.Count} ApplicationLogs rows: the workers' database logger did not run.");
        Reconciliation.AssertNoSecretIn(run.Keys, workers.SelectMany(w => w.Lines.Concat(w.Errors)).Concat(applicationLogs));

        TestContext.Current.TestOutputHelper?.WriteLine(FormattableString.Invariant(
            $"{entries.Count} billed calls ({sdk.Count(r => r.Outcome == UsageOutcome.Failure)} billed failures, {unknown.Count} unknown outcomes, {refusedLocally} stopped by a limit) for {Calls} extractions by {Workers} processes x {Concurrency}; c0-a billed {billed["c0-a"].TotalTokens} of {ReconciliationHarness.LifetimeLimitC0A} tokens, c1-a {billed["c1-a"].Requests} calls; ") +
            string.Join(", ", workers.Select(w => w.Name + " " + w.Lines.Last())));
    }
}

/// <summary>
/// The PostgreSQL multi-process run: the emulator in the test process, a fresh database on the test server with the keys
/// in it, and reconciliation workers started as real OS processes on it (<c>Worker:Store=PostgreSql</c>). The emulator and
/// the workers read one fake clock, scaled 600x from a common real-time epoch passed in the settings.
/// </summary>
internal sealed class PostgreSqlMultiProcessRun : IAsyncDisposable
{
    public const string ConnectionStringVariable = "INVOICEOCR_POSTGRES_CONNECTIONSTRING";

    private const string DefaultConnectionString = "Host=127.0.0.1;Port=55432;Username=invoiceocr;Password=invoiceocr-test;Database=postgres";

    private const string Schema = "InvoiceOcr";

    private readonly string _directory;
    private readonly string _settingsPath;
    private readonly string _databaseName;
    private readonly int _seed;
    private readonly List<WorkerProcess> _workers = [];

    private PostgreSqlMultiProcessRun(string directory, string settingsPath, string databaseName, string connectionString, int seed, ScaledTimeProvider clock, GeminiEmulator emulator, IReadOnlyList<HarnessKey> keys, PostgreSqlInvoiceOcrStore store, int workers, int calls)
    {
        _directory = directory;
        _settingsPath = settingsPath;
        _databaseName = databaseName;
        ConnectionString = connectionString;
        _seed = seed;
        Clock = clock;
        Emulator = emulator;
        Keys = keys;
        TestStore = store;
        Workers = workers;
        Calls = calls;
    }

    /// <summary>Gets the fake clock the emulator and the workers share.</summary>
    public ScaledTimeProvider Clock { get; }

    public GeminiEmulator Emulator { get; }

    public IReadOnlyList<HarnessKey> Keys { get; }

    /// <summary>Gets the test's own view of the shared store (reads only, once the workers are done).</summary>
    public PostgreSqlInvoiceOcrStore TestStore { get; }

    public int Workers { get; }

    public int Calls { get; }

    public string ConnectionString { get; }

    private static string ServerConnectionString =>
        Environment.GetEnvironmentVariable(ConnectionStringVariable) is { Length: > 0 } configured ? configured : DefaultConnectionString;

    public static async Task<PostgreSqlMultiProcessRun> StartAsync(int seed, int workers, int calls, int concurrency)
    {
        var databaseName = "invoiceocr_reconcile_" + Guid.NewGuid().ToString("N")[..16];
        await using (var server = new NpgsqlConnection(ServerConnectionString))
        {
            await server.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{databaseName}\";", server);
            await create.ExecuteNonQueryAsync();
        }

        // Each process keeps at most 32 connections: 4 processes stay well inside the test server's 300.
        var connectionString = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = databaseName, MaxPoolSize = 32 }.ConnectionString;
        var keys = ReconciliationHarness.CreateKeys(seed);
        var epoch = TimeProvider.System.GetUtcNow();
        var clock = new ScaledTimeProvider(ReconciliationHarness.Start, ReconciliationHarness.Factor, epoch);
        var emulator = await GeminiEmulator.StartAsync(ReconciliationHarness.CreateEmulatorOptions(keys, seed, lostAnswers: true), clock);
        var directory = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "invoiceocr-reconciliation", Guid.NewGuid().ToString("N"))).FullName;
        var storeOptions = new PostgreSqlStoreOptions { ConnectionString = connectionString, SchemaName = Schema, OutboxDirectory = Path.Combine(directory, "test-outbox") };
        storeOptions.SecretProtection.CurrentKeyId = "k1";
        storeOptions.SecretProtection.MasterKeys["k1"] = ReconciliationHarness.MasterKey;
        var store = new PostgreSqlInvoiceOcrStore(storeOptions, clock);
        await store.InitializeAsync();
        foreach (var key in keys)
        {
            Assert.True(await store.AddAsync(ReconciliationHarness.ToApiKey(key, MultiProcessRun.RequestsPerDayC1A), CancellationToken.None), "Key " + key.Id + " was not added.");
        }

        // What a user's appsettings.json would hold (the same options the SQLite multi-process run sets), plus the run.
        var settings = new JsonObject
        {
            ["InvoiceOcr"] = new JsonObject
            {
                ["EInvoiceMode"] = nameof(EInvoiceMode.ModelOnly),
                ["Gemini"] = new JsonObject { ["BaseAddress"] = emulator.BaseAddress.ToString(), ["ThinkingBudget"] = -1 }, // the run's model thinks: thinking tokens are metered
                ["Documents"] = new JsonObject { ["PdfParseTimeout"] = "01:00:00" }, // fake time: 6 real seconds
                ["KeyPool"] = new JsonObject { ["ReservationTimeToLive"] = "1.00:00:00" },
                ["Retry"] = new JsonObject
                {
                    ["InitialDelay"] = "00:00:00.200",
                    ["MaxDelay"] = "00:00:02",
                    ["AttemptTimeout"] = "12:00:00", // fake time: 72 real seconds, so no attempt is cut off mid-billing
                    ["TotalTimeout"] = "20:00:00", // the reservation (1 day) must outlive the call that holds it
                },
                ["PostgreSql"] = new JsonObject
                {
                    [nameof(PostgreSqlStoreOptions.ConnectionString)] = connectionString,
                    [nameof(PostgreSqlStoreOptions.SchemaName)] = Schema,

                    // 256 callers contend for 8 key rows: on a loaded 2-core CI machine a reservation can queue on a key's row
                    // lock for longer than the default 30 s, and a settlement cancelled by its command time-out would leave
                    // the key's running total short of the ledger (the ledger itself stays exact).
                    [nameof(PostgreSqlStoreOptions.CommandTimeout)] = "00:05:00",
                    [nameof(PostgreSqlStoreOptions.OutboxDirectory)] = Path.Combine(directory, "outbox"),
                    [nameof(PostgreSqlStoreOptions.OutboxReplayInterval)] = "00:01:00", // fake time
                    ["SecretProtection"] = new JsonObject { ["CurrentKeyId"] = "k1", ["MasterKeys"] = new JsonObject { ["k1"] = ReconciliationHarness.MasterKey } },
                },
            },
            ["Worker"] = new JsonObject
            {
                ["Store"] = "PostgreSql",
                ["Start"] = ReconciliationHarness.Start.ToString("O", CultureInfo.InvariantCulture),
                ["Epoch"] = epoch.ToString("O", CultureInfo.InvariantCulture),
                ["Factor"] = ReconciliationHarness.Factor,
                [nameof(Workers)] = workers,
                [nameof(Calls)] = calls,
                ["Concurrency"] = concurrency,
                ["Companies"] = ReconciliationHarness.Companies,
                ["Idempotent"] = false,
                ["SpreadCompanies"] = true, // every process serves every company: the same keys are contended across processes
            },
        };
        var settingsPath = Path.Combine(directory, "worker.settings.json");
        await File.WriteAllTextAsync(settingsPath, settings.ToJsonString());
        return new PostgreSqlMultiProcessRun(directory, settingsPath, databaseName, connectionString, seed, clock, emulator, keys, store, workers, calls);
    }

    public WorkerProcess StartWorker(int index)
    {
        var worker = WorkerProcess.Start(
            string.Create(CultureInfo.InvariantCulture, $"pg-worker-{index}"),
            "--settings=" + _settingsPath,
            string.Create(CultureInfo.InvariantCulture, $"--Worker:Index={index}"),
            string.Create(CultureInfo.InvariantCulture, $"--InvoiceOcr:KeyPool:RandomSeed={_seed + index}"));
        _workers.Add(worker);
        return worker;
    }

    /// <summary>The call numbers worker <paramref name="index"/> makes.</summary>
    public IEnumerable<int> ShareOf(int index) => Enumerable.Range(0, Calls).Where(i => i % Workers == index);

    public async Task<IReadOnlyList<UsageRecord>> ListSdkUsageAsync()
    {
        var all = new List<UsageRecord>();
        for (var c = 0; c < ReconciliationHarness.Companies; c++)
        {
            all.AddRange(await TestStore.ListAsync(new UsageQuery("c" + c.ToString(CultureInfo.InvariantCulture)), CancellationToken.None));
        }

        return all;
    }

    /// <summary>Runs a scalar query in the run's database (<c>{schema}</c> is replaced).</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql.Replace("{schema}", Schema, StringComparison.Ordinal), connection);
        return await command.ExecuteScalarAsync();
    }

    /// <summary>The deadlocks the server detected in the run's database (its own statistics, SQLSTATE 40P01 however the client handled it).</summary>
    public async Task<long> DeadlocksAsync() => (long)(await ScalarAsync("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database();"))!;

    /// <summary>Every text column of every ApplicationLogs row.</summary>
    public async Task<IReadOnlyList<string>> ReadApplicationLogsAsync()
    {
        var texts = new List<string>();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT \"Category\", \"EventName\", \"Message\", \"Exception\", \"Scope\", \"CompanyId\" FROM \"{Schema}\".\"ApplicationLogs\";", connection);
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

    public async ValueTask DisposeAsync()
    {
        foreach (var worker in _workers)
        {
            worker.Dispose();
        }

        await TestStore.DisposeAsync();
        await Emulator.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        await using (var server = new NpgsqlConnection(ServerConnectionString))
        {
            await server.OpenAsync();
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_databaseName}\" WITH (FORCE);", server);
            await drop.ExecuteNonQueryAsync();
        }

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
