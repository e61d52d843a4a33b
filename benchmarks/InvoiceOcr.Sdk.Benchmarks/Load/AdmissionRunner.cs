using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace InvoiceOcr.Sdk.Benchmarks.Load;

/// <summary>
/// Admission + settlement throughput on a shared database store, with 1 and 4 OS processes: each process registers the
/// SDK as a user does (<c>AddSqliteStore</c> / <c>AddPostgreSqlStore</c> on the same file or database) and runs
/// <see cref="CallersPerProcess"/> callers, each looping key acquisition (a quota reservation counted in four windows)
/// then settlement, over four companies of two keys each. No model call: this is the store's share of every call.
/// PostgreSQL runs on the server named by <c>INVOICEOCR_POSTGRES_CONNECTIONSTRING</c> or the test cluster
/// (eng/prerequisites/postgresql.sh), in a database created and dropped for the run.
/// </summary>
internal static class AdmissionRunner
{
    /// <summary>The first argument that makes the executable a child process of this runner.</summary>
    public const string ChildCommand = "admission-child";

    private const int CallersPerProcess = 16;
    private const int Companies = 4;
    private const string Model = "gemini-2.5-flash";
    private const string DefaultPostgres = "Host=127.0.0.1;Port=55432;Username=invoiceocr;Password=invoiceocr-test;Database=postgres";
    private static readonly string MasterKey = Convert.ToBase64String(SHA256.HashData("invoiceocr-benchmark-master-key"u8));
    private static readonly TokenUsage Usage = new() { InputTokens = 1_900, OutputTokens = 100, TotalTokens = 2_000 };

    public static async Task<IReadOnlyList<Figure>> RunAsync(TimeSpan phase)
    {
        var figures = new List<Figure>();
        foreach (var store in new[] { "sqlite", "postgresql" })
        {
            await using var target = await Target.CreateAsync(store);
            if (target.Unavailable is { } why)
            {
                figures.Add(new Figure($"Admission + settlement, {Label(store)}", "not run", "-", null, why));
                continue;
            }

            foreach (var processes in new[] { 1, 4 })
            {
                var (perSecond, latencies, errors) = await RunProcessesAsync(target, processes, phase);
                figures.Add(new Figure(
                    string.Create(CultureInfo.InvariantCulture, $"Admission + settlement, {Label(store)}, {processes} process{(processes == 1 ? string.Empty : "es")} x {CallersPerProcess} callers"),
                    string.Create(CultureInfo.InvariantCulture, $"{perSecond:0} calls/s (p50 {Percentile(latencies, 0.50):0.00} ms, p99 {Percentile(latencies, 0.99):0.00} ms, n={latencies.Length})"),
                    "-",
                    errors == 0 ? null : false,
                    errors == 0 ? "acquire a key (reservation) + settle it, per call" : $"{errors} calls failed"));
            }
        }

        return figures;
    }

    /// <summary>A child process: registers the SDK on the store, waits for the common start, runs its callers, writes its latencies.</summary>
    public static async Task<int> RunChildAsync(string[] args)
    {
        var (store, target, output) = (args[0], args[1], args[4]);
        var seconds = double.Parse(args[2], CultureInfo.InvariantCulture);
        var startAt = new DateTime(long.Parse(args[3], CultureInfo.InvariantCulture), DateTimeKind.Utc);
        await using var host = await StartHostAsync(store, target);
        var tokens = host.GetRequiredService<ITokenProvider>();
        var (latencies, errors) = await RunCallersAsync(tokens, startAt, TimeSpan.FromSeconds(seconds));
        await File.WriteAllLinesAsync(output, [errors.ToString(CultureInfo.InvariantCulture), .. latencies.Select(l => l.ToString("R", CultureInfo.InvariantCulture))]);
        return 0;
    }

    private static double Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string Label(string store) => store == "sqlite" ? "SQLite (one file)" : "PostgreSQL (one server)";

    private static async Task<(double PerSecond, double[] Latencies, long Errors)> RunProcessesAsync(Target target, int processes, TimeSpan phase)
    {
        // Children start, register and warm up on their own time; they all begin measuring at the same instant.
        var startAt = DateTime.UtcNow.AddSeconds(6);
        var outputs = Enumerable.Range(0, processes).Select(_ => Path.Combine(target.Directory, Guid.NewGuid().ToString("N") + ".txt")).ToArray();
        var children = outputs.Select(output => StartChild(
            target.Store,
            target.Value,
            phase.TotalSeconds.ToString("R", CultureInfo.InvariantCulture),
            startAt.Ticks.ToString(CultureInfo.InvariantCulture),
            output)).ToList();
        foreach (var child in children)
        {
            await child.WaitForExitAsync();
            var stderr = await child.StandardError.ReadToEndAsync();
            if (child.ExitCode != 0)
            {
                throw new InvalidOperationException($"An admission benchmark process failed (exit {child.ExitCode}): {stderr}");
            }

            child.Dispose();
        }

        var all = new List<double>();
        long errors = 0;
        foreach (var output in outputs)
        {
            var lines = await File.ReadAllLinesAsync(output);
            errors += long.Parse(lines[0], CultureInfo.InvariantCulture);
            all.AddRange(lines.Skip(1).Select(l => double.Parse(l, CultureInfo.InvariantCulture)));
        }

        var sorted = all.ToArray();
        Array.Sort(sorted);
        return (sorted.Length / phase.TotalSeconds, sorted, errors);
    }

    private static Process StartChild(params string[] arguments)
    {
        // Run as 'dotnet <dll>' or through the apphost, whichever started this process.
        var self = Environment.ProcessPath!;
        var info = new ProcessStartInfo(self) { RedirectStandardError = true, RedirectStandardOutput = false, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            info.ArgumentList.Add(typeof(AdmissionRunner).Assembly.Location);
        }

        info.ArgumentList.Add(ChildCommand);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        return Process.Start(info)!;
    }

    private static async Task<(List<double> Latencies, long Errors)> RunCallersAsync(ITokenProvider tokens, DateTime startAt, TimeSpan duration)
    {
        // Warm-up: the JIT, the connection pool and the key pool's caches.
        for (var i = 0; i < 50; i++)
        {
            await OneAsync(tokens, i);
        }

        var wait = startAt - DateTime.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        var latencies = new List<double>[CallersPerProcess];
        long errors = 0;
        var until = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        await Task.WhenAll(Enumerable.Range(0, CallersPerProcess).Select(caller => Task.Run(async () =>
        {
            var mine = latencies[caller] = [];
            for (var n = caller; Stopwatch.GetTimestamp() < until; n += CallersPerProcess)
            {
                var start = Stopwatch.GetTimestamp();
                try
                {
                    await OneAsync(tokens, n);
                    mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                }
                catch (InvoiceOcrException)
                {
                    Interlocked.Increment(ref errors);
                }
            }
        })));
        return ([.. latencies.SelectMany(l => l)], errors);
    }

    private static async Task OneAsync(ITokenProvider tokens, int n)
    {
        var lease = await tokens.AcquireAsync(new KeyLeaseRequest(Company(n % Companies), Model, 2_000), CancellationToken.None);
        await tokens.SettleAsync(lease, Usage, new RecordedUsage(UsageRecording.Recorded), CancellationToken.None);
    }

    private static string Company(int i) => "company-" + i.ToString(CultureInfo.InvariantCulture);

    private static async Task<ServiceProvider> StartHostAsync(string store, string target)
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Warning));
        var builder = services.AddInvoiceOcr(options => options.KeyPool.RandomSeed = Environment.ProcessId);
        if (store == "sqlite")
        {
            builder.AddSqliteStore(target, o =>
            {
                o.SecretProtection.CurrentKeyId = "bench";
                o.SecretProtection.MasterKeys["bench"] = MasterKey;
            });
        }
        else
        {
            builder.AddPostgreSqlStore(target, o =>
            {
                o.OutboxDirectory = Path.Combine(Path.GetTempPath(), "invoiceocr-bench-outbox", Guid.NewGuid().ToString("N"));
                o.SecretProtection.CurrentKeyId = "bench";
                o.SecretProtection.MasterKeys["bench"] = MasterKey;
            });
        }

        var provider = services.BuildServiceProvider();
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
        }

        return provider;
    }

    /// <summary>The shared store of one series: a SQLite file in a temp folder, or a fresh PostgreSQL database; with the keys.</summary>
    private sealed class Target : IAsyncDisposable
    {
        private string? _database;

        private Target(string store, string directory)
        {
            Store = store;
            Directory = directory;
        }

        public string Store { get; }

        public string Directory { get; }

        public string Value { get; private set; } = string.Empty;

        public string? Unavailable { get; private set; }

        private static string ServerConnectionString =>
            Environment.GetEnvironmentVariable("INVOICEOCR_POSTGRES_CONNECTIONSTRING") is { Length: > 0 } configured ? configured : DefaultPostgres;

        public static async Task<Target> CreateAsync(string store)
        {
            var target = new Target(store, System.IO.Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "invoiceocr-bench", Guid.NewGuid().ToString("N"))).FullName);
            if (store == "sqlite")
            {
                target.Value = Path.Combine(target.Directory, "admission.db");
            }
            else
            {
                try
                {
                    await using var server = new NpgsqlConnection(ServerConnectionString);
                    await server.OpenAsync();
                    target._database = "invoiceocr_bench_" + Guid.NewGuid().ToString("N")[..16];
                    await using var create = new NpgsqlCommand($"CREATE DATABASE \"{target._database}\";", server);
                    await create.ExecuteNonQueryAsync();
                    target.Value = new NpgsqlConnectionStringBuilder(ServerConnectionString) { Database = target._database, MaxPoolSize = 32 }.ConnectionString;
                }
                catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException)
                {
                    target.Unavailable = "no PostgreSQL server: run eng/prerequisites/postgresql.sh or set INVOICEOCR_POSTGRES_CONNECTIONSTRING";
                    return target;
                }
            }

            // One host creates the schema and the keys: four companies, two keys each, no limits that bind (the windows are still counted).
            await using var host = await StartHostAsync(store, target.Value);
            var keys = host.GetRequiredService<IApiKeyStore>();
            for (var c = 0; c < Companies; c++)
            {
                for (var k = 0; k < 2; k++)
                {
                    await keys.AddAsync(
                        new ApiKey
                        {
                            Id = string.Create(CultureInfo.InvariantCulture, $"key-{c}-{k}"),
                            CompanyId = Company(c),
                            ProjectId = "p-bench",
                            Secret = string.Create(CultureInfo.InvariantCulture, $"test-key-admission-{c}-{k}-0000"),
                            Rates = new QuotaLimits { RequestsPerMinute = int.MaxValue, TokensPerDay = long.MaxValue },
                        },
                        CancellationToken.None);
                }
            }

            return target;
        }

        public async ValueTask DisposeAsync()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            if (_database is not null)
            {
                NpgsqlConnection.ClearAllPools();
                await using var server = new NpgsqlConnection(ServerConnectionString);
                await server.OpenAsync();
                await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{_database}\" WITH (FORCE);", server);
                await drop.ExecuteNonQueryAsync();
            }

            try
            {
                System.IO.Directory.Delete(Directory, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS to clean.
            }
        }
    }
}
