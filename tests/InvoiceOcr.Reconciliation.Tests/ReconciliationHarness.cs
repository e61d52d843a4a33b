using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Reconciliation.Tests;

/// <summary>The store the harness runs the SDK on.</summary>
internal enum HarnessStore
{
    InMemory,
    Sqlite,
}

/// <summary>One company's two keys: "a" in its own project, "b" in a project shared by every company with a tight per-minute limit at the service.</summary>
internal sealed record HarnessKey(string Id, string CompanyId, string Project, string Secret)
{
    public override string ToString() => Id;
}

/// <summary>
/// Runs thousands of extractions through the real SDK (registered as a user registers it) against the in-process
/// emulator over loopback HTTP with seeded faults, then exposes both ledgers for reconciliation.
/// </summary>
internal sealed class ReconciliationHarness : IAsyncDisposable
{
    public const int Companies = 4;
    public const string SharedProject = "p-shared";

    /// <summary>Company c0's key "a" has a lifetime budget the run exhausts; the SDK must stop short of it.</summary>
    public const long LifetimeLimitC0A = 120_000;

    /// <summary>Company c1's key "a" may make this many requests per (Pacific) day; the SDK must never let more through.</summary>
    public const int RequestsPerDayC1A = 150;

    /// <summary>The service's per-minute request limit of the shared project: per-minute 429s happen every busy minute.</summary>
    public const int SharedProjectRequestsPerMinute = 5;

    /// <summary>How much faster than real time the fake clock runs.</summary>
    public const double Factor = 600;

    /// <summary>The fake time every run starts at: 10:00 in Los Angeles, so a run stays inside one Pacific day for a while.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 14, 18, 0, 0, TimeSpan.Zero);

    /// <summary>The store's master key (base64 of 32 bytes) for protecting secrets at rest.</summary>
    public static readonly string MasterKey = Convert.ToBase64String(SHA256.HashData("invoiceocr-reconciliation-master-key"u8));

    private readonly string? _directory;
    private readonly TextWriter _fallbackLog = TextWriter.Synchronized(new StringWriter(CultureInfo.InvariantCulture));
    private readonly List<(ServiceProvider Services, List<IHostedService> Hosted)> _hosts = [];
    private readonly ConcurrentBag<FlakySettlements> _flaky = [];

    private ReconciliationHarness(HarnessStore store, GeminiEmulator emulator, ScaledTimeProvider clock, Telemetry telemetry, IReadOnlyList<HarnessKey> keys, string? directory)
    {
        Store = store;
        Emulator = emulator;
        Clock = clock;
        Telemetry = telemetry;
        Keys = keys;
        _directory = directory;
    }

    public HarnessStore Store { get; }

    public GeminiEmulator Emulator { get; }

    public ScaledTimeProvider Clock { get; }

    public Telemetry Telemetry { get; }

    public IReadOnlyList<HarnessKey> Keys { get; }

    public string? DatabasePath => _directory is null ? null : Path.Combine(_directory, "store.db");

    /// <summary>Gets the first SDK host's services.</summary>
    public IServiceProvider Services => _hosts.Count > 0 ? _hosts[0].Services : throw new InvalidOperationException("Not started.");

    /// <summary>Gets every SDK host's services (more than one when several hosts share one SQLite file).</summary>
    public IEnumerable<IServiceProvider> AllServices => _hosts.Select(h => (IServiceProvider)h.Services);

    public ConcurrentQueue<InvoiceOcrException> Failures { get; } = new();

    /// <summary>Gets how many billed attempt endings <see cref="FlakySettlements"/> failed, over every host.</summary>
    public long InjectedSettlementFailures => _flaky.Sum(f => f.Failures);

    public long Succeeded;

    /// <summary>
    /// Starts the emulator and <paramref name="hosts"/> SDK hosts on <paramref name="store"/>. With
    /// <paramref name="settlementFailures"/> (SQLite only) that share of billed attempt endings fails as if the database
    /// were unreachable (<see cref="FlakySettlements"/>), so their records go through the durable outbox.
    /// </summary>
    public static async Task<ReconciliationHarness> StartAsync(HarnessStore store, int seed, int hosts = 1, double settlementFailures = 0)
    {
        var keys = CreateKeys(seed);

        // Ten fake minutes every second of real time: a 429's "retry in 40 s" costs a few milliseconds.
        var clock = new ScaledTimeProvider(Start, Factor);

        // Every store journals attempts (IOperationStore), so answers lost after billing are in every run's fault mix.
        var emulator = await GeminiEmulator.StartAsync(CreateEmulatorOptions(keys, seed, lostAnswers: true), clock);
        var directory = store == HarnessStore.Sqlite
            ? Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "invoiceocr-reconciliation", Guid.NewGuid().ToString("N"))).FullName
            : null;
        var harness = new ReconciliationHarness(store, emulator, clock, new Telemetry(), keys, directory);
        for (var host = 0; host < hosts; host++)
        {
            await harness.StartSdkAsync(seed + host, addKeys: host == 0, settlementFailures);
        }

        return harness;
    }

    /// <summary>
    /// Obviously fake, but long and random-looking: the secrets sweep looks for every 8-character piece of these. The
    /// random part is spelled in the letters g–v, never hex digits, so a piece cannot turn up by chance inside the
    /// hex operation, reservation and response ids the logs are full of (with hex keys, one run in a few dozen did).
    /// </summary>
    private static string Secret(string id, int seed)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(id + "/" + seed.ToString(CultureInfo.InvariantCulture))).AsSpan(0, 16);
        var text = new StringBuilder("test-key-", 9 + (2 * hash.Length));
        foreach (var b in hash)
        {
            text.Append((char)('g' + (b >> 4))).Append((char)('g' + (b & 0xF)));
        }

        return text.ToString();
    }

    /// <summary>Creates each company's two keys ("a" in its own project, "b" in the shared project).</summary>
    public static IReadOnlyList<HarnessKey> CreateKeys(int seed)
    {
        var keys = new List<HarnessKey>();
        for (var c = 0; c < Companies; c++)
        {
            var company = "c" + c.ToString(CultureInfo.InvariantCulture);
            keys.Add(new HarnessKey(company + "-a", company, "p-" + company, Secret(company + "-a", seed)));
            keys.Add(new HarnessKey(company + "-b", company, SharedProject, Secret(company + "-b", seed)));
        }

        return keys;
    }

    /// <summary>
    /// The emulator every run uses: the keys, the shared project's per-minute limit, 20 % faults, and a thinking model with
    /// implicit caching so that thoughts and cached tokens are non-zero in both ledgers. With <paramref name="lostAnswers"/>,
    /// 3 % of calls are billed and their answer lost (a reset after billing, a truncated body, no response at all).
    /// </summary>
    public static GeminiEmulatorOptions CreateEmulatorOptions(IReadOnlyList<HarnessKey> keys, int seed, bool lostAnswers = false)
    {
        var emulatorOptions = new GeminiEmulatorOptions { Seed = seed };
        emulatorOptions.Models.Add(new EmulatorModelOptions { Id = "gemini-2.5-flash", ThoughtsTokens = 96, ImplicitCaching = true });
        foreach (var key in keys)
        {
            emulatorOptions.Keys.Add(new EmulatorKeyOptions { Key = key.Secret, Id = key.Id, Project = key.Project });
        }

        emulatorOptions.Projects[SharedProject] = new EmulatorProjectOptions { RequestsPerMinute = SharedProjectRequestsPerMinute, Tier = EmulatorTier.Paid };

        // 20 % of model calls fail at the service: server errors, resets, truncated bodies, and billed failures.
        var rates = emulatorOptions.Faults.Rates;
        rates[EmulatorFaultKind.Internal] = 0.04;
        rates[EmulatorFaultKind.Unavailable] = 0.04;
        rates[EmulatorFaultKind.DeadlineExceeded] = 0.03;
        rates[EmulatorFaultKind.ConnectionReset] = 0.03;
        rates[EmulatorFaultKind.TruncatedBody] = 0.03;
        rates[EmulatorFaultKind.InvalidJsonText] = 0.01;
        rates[EmulatorFaultKind.MaxTokens] = 0.01;
        rates[EmulatorFaultKind.Other] = 0.01;
        if (lostAnswers)
        {
            rates[EmulatorFaultKind.ConnectionResetAfterBilling] = 0.01;
            rates[EmulatorFaultKind.TruncatedBodyAfterBilling] = 0.01;
            rates[EmulatorFaultKind.NoResponseAfterBilling] = 0.01;
        }

        return emulatorOptions;
    }

    /// <summary>The key as the store holds it: c0-a has a lifetime budget the run exhausts, c1-a a per-day request limit.</summary>
    public static ApiKey ToApiKey(HarnessKey key, int requestsPerDayC1A = RequestsPerDayC1A) => new()
    {
        Id = key.Id,
        CompanyId = key.CompanyId,
        ProjectId = key.Project,
        Secret = key.Secret,
        LifetimeTokenLimit = key.Id == "c0-a" ? LifetimeLimitC0A : null,
        Rates = key.Id == "c1-a" ? new QuotaLimits { RequestsPerDay = requestsPerDayC1A } : QuotaLimits.None,
    };

    /// <summary>While the store is down each company keeps one key it can use without the database.</summary>
    public static bool IsFallbackKey(string keyId) => keyId is "c0-b" or "c1-b" or "c2-a" or "c3-a";

    private async Task StartSdkAsync(int seed, bool addKeys, double settlementFailures)
    {
        var services = new ServiceCollection();
        services.AddSingleton<TimeProvider>(Clock);
        services.AddLogging(logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Trace).AddProvider(Telemetry));
        var builder = services.AddInvoiceOcr(options =>
        {
            options.EInvoiceMode = EInvoiceMode.ModelOnly;
            options.Gemini.BaseAddress = Emulator.BaseAddress;
            options.Gemini.ThinkingBudget = -1; // the run's model thinks, so thinking tokens are metered and reconciled (extraction's default is off)
            options.Documents.PdfParseTimeout = TimeSpan.FromHours(1); // fake time: 6 real seconds (30 s would be 50 ms, rejecting valid PDFs on a busy machine)
            options.KeyPool.RandomSeed = seed;
            options.KeyPool.ReservationTimeToLive = TimeSpan.FromDays(1);
            options.Retry.InitialDelay = TimeSpan.FromMilliseconds(200);
            options.Retry.MaxDelay = TimeSpan.FromSeconds(2);
            options.Retry.AttemptTimeout = TimeSpan.FromHours(12); // fake time: 72 real seconds, so no attempt is cut off mid-billing
            options.Retry.TotalTimeout = TimeSpan.FromHours(20); // the reservation (1 day) must outlive it
            if (Store == HarnessStore.Sqlite)
            {
                // While the store is down each company keeps one key it can use without the database.
                foreach (var key in Keys.Where(k => IsFallbackKey(k.Id)))
                {
                    var fallback = new FallbackApiKeyOptions { Id = key.Id, CompanyId = key.CompanyId, Secret = key.Secret, ProjectId = key.Project };
                    options.KeyPool.FallbackKeys.Add(fallback);
                }
            }
        });
        if (Store == HarnessStore.Sqlite)
        {
            // Application logs go to the ApplicationLogs table too (and, while the database is away, to a fallback
            // writer): both are log sinks the secrets sweep reads.
            services.AddLogging(logging => logging.AddInvoiceOcrDatabase(o =>
            {
                o.QueueCapacity = 1_000_000;
                o.DrainTimeout = TimeSpan.FromHours(2); // fake time: 12 real seconds
                o.FallbackWriter = _fallbackLog;
            }));
            builder.AddSqliteStore(DatabasePath!, o =>
            {
                o.BusyTimeout = TimeSpan.FromSeconds(30);
                o.OutboxReplayInterval = TimeSpan.FromSeconds(60); // fake time: a tenth of a second of real time
                o.SecretProtection.CurrentKeyId = "k1";
                o.SecretProtection.MasterKeys["k1"] = MasterKey;
            });
        }

        if (settlementFailures > 0)
        {
            // The durable usage logger the store registers, over a store whose billed attempt endings sometimes fail.
            services.AddSingleton(sp =>
            {
                var options = sp.GetRequiredService<IOptions<SqliteStoreOptions>>().Value;
                var flaky = new FlakySettlements(sp.GetRequiredService<SqliteInvoiceOcrStore>(), settlementFailures);
                _flaky.Add(flaky);
                return new DurableUsageLogger(
                    flaky,
                    new DurableUsageLoggerOptions { OutboxDirectory = options.GetOutboxDirectory(), ReplayInterval = options.OutboxReplayInterval, BatchSize = options.UsageBatchSize },
                    Clock,
                    sp.GetRequiredService<ILogger<DurableUsageLogger>>());
            });
        }

        // Each model request carries its attempt id in the emulator's test-only header, so every billed call can be matched
        // to exactly one ledger row or unknown-outcome attempt.
        services.AddHttpClient(InvoiceOcrTelemetry.GeminiHttpClientName).AddHttpMessageHandler(() => new TestAttemptHeaderHandler());
        var provider = services.BuildServiceProvider(validateScopes: true);
        List<IHostedService> hostedServices = [.. provider.GetServices<IHostedService>()];
        _hosts.Add((provider, hostedServices));
        foreach (var hosted in hostedServices)
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        if (!addKeys)
        {
            return;
        }

        var store = provider.GetRequiredService<IApiKeyStore>();
        foreach (var key in Keys)
        {
            var added = await store.AddAsync(
                ToApiKey(key),
                CancellationToken.None);
            if (!added)
            {
                throw new InvalidOperationException("Key " + key.Id + " was not added.");
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="calls"/> extractions, <paramref name="concurrency"/> at a time, round-robin over the companies
    /// (and over the SDK hosts when there are several).
    /// <paramref name="onCall"/> sees each call number before it starts (the outage hook).
    /// </summary>
    public async Task RunAsync(int calls, int concurrency, Func<int, Task>? onCall = null)
    {
        var documents = Enumerable.Range(1, 3)
            .Select(pages => InvoiceDocument.FromBytes(TinyPdf.Create(pages, "Reconciliation invoice " + pages.ToString(CultureInfo.InvariantCulture)), "invoice-" + pages.ToString(CultureInfo.InvariantCulture) + ".pdf"))
            .ToArray();
        var extractors = _hosts.Select(h => h.Services.GetRequiredService<IInvoiceExtractor>()).ToArray();
        await Parallel.ForEachAsync(
            Enumerable.Range(0, calls),
            new ParallelOptions { MaxDegreeOfParallelism = concurrency },
            async (i, ct) =>
            {
                if (onCall is not null)
                {
                    await onCall(i);
                }

                var company = "c" + (i % Companies).ToString(CultureInfo.InvariantCulture);
                var context = new ExtractionContext(company) { RequestedBy = "user-" + (i % 7).ToString(CultureInfo.InvariantCulture), Branch = "branch-" + (i % 3).ToString(CultureInfo.InvariantCulture) };
                try
                {
                    await extractors[i % extractors.Length].ExtractAsync(documents[i % documents.Length], context, ct);
                    Interlocked.Increment(ref Succeeded);
                }
                catch (InvoiceOcrException ex)
                {
                    Failures.Enqueue(ex);
                    Telemetry.Add("exception " + ex);
                }
            });
    }

    /// <summary>Takes the database away (the file is moved; no pooled connection keeps it alive) until the returned handle is disposed.</summary>
    public IDisposable TakeStoreDown()
    {
        var path = DatabasePath ?? throw new InvalidOperationException("Only the SQLite store can be taken down.");
        var away = path + ".away";
        File.Move(path, away);
        SqliteConnection.ClearAllPools(); // pooled connections would keep the moved file open
        return new Restore(() => File.Move(away, path));
    }

    /// <summary>Drains the durable outbox so every acknowledged usage record is in the ledger.</summary>
    public async Task FlushAsync()
    {
        foreach (var (services, _) in _hosts)
        {
            if (services.GetService<DurableUsageLogger>() is { } durable)
            {
                await durable.ReplayOutboxAsync(CancellationToken.None);
            }
        }
    }

    /// <summary>
    /// Drains the database logger, then returns every text column of every ApplicationLogs row and whatever went to the
    /// logger's fallback writer while the database was away.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReadApplicationLogsAsync()
    {
        foreach (var provider in _hosts.SelectMany(h => h.Services.GetServices<ILoggerProvider>()).OfType<DatabaseLoggerProvider>())
        {
            await provider.DisposeAsync();
        }

        var texts = new List<string>();
        await using (var connection = new SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False"))
        {
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
        }

        texts.Add("fallback " + _fallbackLog);
        return texts;
    }

    /// <summary>
    /// Resolves every attempt still in flight in the journal as outcome-unknown (every call has returned, so an attempt
    /// still open is one whose ending could not reach the store), as a start-up after a crash does, then lists the
    /// unknown-outcome attempts.
    /// </summary>
    public async Task<IReadOnlyList<UnknownOutcomeAttempt>> ResolveAndListUnknownOutcomesAsync()
    {
        var operations = Services.GetRequiredService<IOperationStore>();
        _ = await operations.ResolveInFlightAttemptsAsync(Clock.GetUtcNow(), CancellationToken.None);
        return await Services.GetRequiredService<IKeyPoolQueries>().ListUnknownOutcomeAttemptsAsync(null, CancellationToken.None);
    }

    public async Task<IReadOnlyList<UsageRecord>> ListSdkUsageAsync()
    {
        var ledger = Services.GetRequiredService<IUsageLedger>();
        var all = new List<UsageRecord>();
        for (var c = 0; c < Companies; c++)
        {
            all.AddRange(await ledger.ListAsync(new UsageQuery("c" + c.ToString(CultureInfo.InvariantCulture)), CancellationToken.None));
        }

        return all;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var (services, hostedServices) in _hosts)
        {
            foreach (var hosted in hostedServices)
            {
                await hosted.StopAsync(CancellationToken.None);
            }

            await services.DisposeAsync();
        }

        await Emulator.DisposeAsync();
        Telemetry.Dispose();
        if (_directory is not null)
        {
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

    private sealed class Restore(Action restore) : IDisposable
    {
        private int _done;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _done, 1) == 0)
            {
                restore();
            }
        }
    }
}
