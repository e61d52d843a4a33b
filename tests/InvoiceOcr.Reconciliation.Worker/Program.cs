// A reconciliation worker: one application instance of the SDK, registered as a user registers it, sharing a SQLite
// (or, with Worker:Store=PostgreSql, a PostgreSQL) store with other instances. Started by the reconciliation tests as
//   dotnet InvoiceOcr.Reconciliation.Worker.dll --settings=<json> --Worker:Index=<i> [--InvoiceOcr:KeyPool:RandomSeed=<n>]
// The settings file holds the SDK's configuration (the "InvoiceOcr" section, with "InvoiceOcr:Sqlite" for the store)
// and the run's ("Worker": clock start, epoch and factor, number of workers, calls, concurrency, idempotency).
// The worker makes calls Index, Index + Workers, Index + 2 Workers, … below Calls, Concurrency at a time; with
// Idempotent (the default) each carries the idempotency key "call-<n>", so a restarted worker re-runs its share without
// billing a finished call twice. Output, one flushed line each: "ready", "started cpu-ms=…" (the CPU its start-up took),
// "begin <n>", "end <n> ok|done-before|failed …", "failure <exception>", "log …", "summary … cpu-ms=…". Exit code 0
// once every call of the share returned or threw an InvoiceOcrException; anything else crashes it (non-zero).
// Jobs mode (--Worker:JobId=<id>, with Worker:ClockFile): the worker runs the SDK's job worker (AddJobs, options from
// InvoiceOcr:Jobs) on a clock that follows the test's jumps, prints "http 429 …" for each 429 the server answered, and exits
// 0 once every item of the job is in a terminal state.
using System.Globalization;
using InvoiceOcr.Reconciliation.Tests;
using InvoiceOcr.Reconciliation.Worker;
using InvoiceOcr.Sdk;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

var output = new WorkerOutput(Console.Out);
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, DisableDefaults = true });
var settingsPath = new ConfigurationBuilder().AddCommandLine(args).Build()["settings"]
    ?? throw new ArgumentException("Usage: InvoiceOcr.Reconciliation.Worker --settings=<json> --Worker:Index=<i>");
builder.Configuration.AddJsonFile(Path.GetFullPath(settingsPath), optional: false, reloadOnChange: false).AddCommandLine(args);

var run = builder.Configuration.GetSection("Worker");
var index = run.GetValue<int>("Index");
var workers = run.GetValue<int>("Workers");
var calls = run.GetValue<int>("Calls");
var concurrency = run.GetValue<int>("Concurrency");
var companies = run.GetValue<int>("Companies");
var idempotent = run.GetValue("Idempotent", defaultValue: true);

// With SpreadCompanies, call n goes to company (n + n / Workers) % Companies, so every worker serves every company (with as
// many workers as companies, n % Companies would give each worker one company, and no key would be contended across processes).
var spreadCompanies = run.GetValue("SpreadCompanies", defaultValue: false);
if (workers < 1 || index < 0 || index >= workers || calls < 0 || concurrency < 1 || companies < 1)
{
    throw new ArgumentException("The Worker section needs Index < Workers, Calls >= 0, Concurrency >= 1 and Companies >= 1.");
}

// The test process and every worker read the same fake time: start + (wall clock - epoch) * factor.
var clock = new ScaledTimeProvider(
    DateTimeOffset.Parse(run["Start"]!, CultureInfo.InvariantCulture),
    run.GetValue<double>("Factor"),
    DateTimeOffset.Parse(run["Epoch"]!, CultureInfo.InvariantCulture));

// Jobs mode (Worker:JobId set): the worker runs the SDK's job worker as a hosted service until the job is finished, on a clock
// that follows the test's jumps (Worker:ClockFile), instead of making calls of its own.
var jobId = run["JobId"];
using var jumpable = jobId is null ? null : JumpableClock.ForWorker(clock, run["ClockFile"] ?? throw new ArgumentException("Jobs mode needs Worker:ClockFile."));
builder.Services.AddSingleton<TimeProvider>(jumpable is null ? clock : jumpable);

// Logs go to stdout (the test reads them) and to the ApplicationLogs table; what the table cannot take goes to stderr.
// In jobs mode only warnings go to stdout, and no table: thousands of items would otherwise write millions of lines.
builder.Logging.ClearProviders().SetMinimumLevel(jobId is null ? LogLevel.Trace : LogLevel.Warning).AddProvider(output);
if (jobId is null)
{
    builder.Logging.AddInvoiceOcrDatabase(o =>
    {
        o.QueueCapacity = 1_000_000;
        o.DrainTimeout = TimeSpan.FromHours(2); // fake time: 12 real seconds at 600x
    });
}

// As the SDK's README registers it; Worker:Store picks the store ("Sqlite", the default, or "PostgreSql").
var sdk = builder.Services.AddInvoiceOcr(builder.Configuration.GetSection("InvoiceOcr"));
if (string.Equals(run["Store"], "PostgreSql", StringComparison.OrdinalIgnoreCase))
{
    sdk.AddPostgreSqlStore(builder.Configuration.GetSection("InvoiceOcr:PostgreSql"));
    if (jobId is not null)
    {
        // As registered, the PostgreSQL store reads "now" from the server (clock_timestamp()), so its day windows would
        // follow the real Pacific day; a job run parks and resumes on the shared fake day, so the store is given the clock
        // (its documented constructor for this).
        builder.Services.Replace(ServiceDescriptor.Singleton(static sp => new PostgreSqlInvoiceOcrStore(
            sp.GetRequiredService<IOptions<PostgreSqlStoreOptions>>().Value, sp.GetRequiredService<TimeProvider>())));
    }
}
else
{
    sdk.AddSqliteStore(builder.Configuration.GetSection("InvoiceOcr:Sqlite"));
}

if (jobId is not null)
{
    // As the SDK's README registers jobs; the options (worker id, slots, lease and poll times) come from InvoiceOcr:Jobs.
    sdk.AddJobs();
    builder.Services.Configure<InvoiceJobOptions>(builder.Configuration.GetSection("InvoiceOcr:Jobs"));
}

// Each model request carries its attempt id in the emulator's test-only header, so the test can match every billed call to
// exactly one ledger row or unknown-outcome attempt.
var gemini = builder.Services.AddHttpClient(InvoiceOcrTelemetry.GeminiHttpClientName).AddHttpMessageHandler(() => new TestAttemptHeaderHandler());
if (jobId is not null)
{
    gemini.AddHttpMessageHandler(() => new StatusLineHandler(output));
}

using var host = builder.Build();
await host.StartAsync();
output.Write("ready");
output.Write("started cpu-ms=" + CpuMilliseconds());


if (jobId is not null)
{
    // The job worker runs in the host; this loop only watches for the job's end. The store can be busy for a moment (three
    // processes write one file): a failed look is tried again.
    var jobs = host.Services.GetRequiredService<IInvoiceJobs>();
    while (true)
    {
        try
        {
            if (await jobs.GetStatusAsync(jobId) is { Progress: { Total: > 0 } progress } && progress.Finished == progress.Total)
            {
                break;
            }
        }
        catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable)
        {
            output.Write("status-retry");
        }

        await Task.Delay(TimeSpan.FromMilliseconds(100));
    }

    await host.Services.GetRequiredService<DurableUsageLogger>().ReplayOutboxAsync();
    await host.StopAsync();
    output.Write(string.Create(CultureInfo.InvariantCulture, $"summary job={jobId} cpu-ms={CpuMilliseconds()}"));
    return 0;
}

var extractor = host.Services.GetRequiredService<IInvoiceExtractor>();
var documents = Enumerable.Range(1, 3)
    .Select(pages => InvoiceDocument.FromBytes(TinyPdf.Create(pages, "Reconciliation invoice " + pages.ToString(CultureInfo.InvariantCulture)), "invoice-" + pages.ToString(CultureInfo.InvariantCulture) + ".pdf"))
    .ToArray();
long succeeded = 0, doneBefore = 0, failed = 0;
if (run.GetValue<int>("Races") is var races and > 0)
{
    // Race mode: race r is RaceSize(r) calls (2 to 8) with the idempotency key "race-r" for one company, spread over the
    // workers (call j of the race goes to worker j % Workers). Every worker starts race r at the same fake instant (the
    // shared clock), all its calls of the race at once, so the calls really overlap within and across processes.
    // A call told OperationInProgress waits the Retry-After it was given and asks again, until it gets the outcome.
    var firstRace = clock.Start + TimeSpan.Parse(run["RaceLead"] ?? "01:00:00", CultureInfo.InvariantCulture);
    var spacing = TimeSpan.Parse(run["RaceSpacing"] ?? "00:02:00", CultureInfo.InvariantCulture);
    for (var r = 0; r < races; r++)
    {
        var due = firstRace + (r * spacing) - clock.GetUtcNow();
        if (due > TimeSpan.Zero)
        {
            await Task.Delay(due, clock);
        }

        var race = r;
        var raceCalls = Enumerable.Range(0, RaceSize(race)).Where(j => j % workers == index).Select(async j =>
        {
            var n = ((race * 10) + j).ToString(CultureInfo.InvariantCulture);
            var context = new ExtractionContext("c" + (race % companies).ToString(CultureInfo.InvariantCulture))
            {
                RequestedBy = "user-" + j.ToString(CultureInfo.InvariantCulture),
                IdempotencyKey = "race-" + race.ToString(CultureInfo.InvariantCulture),
            };
            output.Write("begin " + n);
            for (var asked = 1; ; asked++)
            {
                try
                {
                    var result = await extractor.ExtractAsync(documents[race % documents.Length], context, CancellationToken.None);
                    Interlocked.Increment(ref succeeded);
                    output.Write("end " + n + " ok " + result.KeyId + " " + result.ResponseId + " " + result.OperationId);
                    return;
                }
                catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.OperationInProgress && asked < 1_000)
                {
                    output.Write("in-progress " + n);
                    await Task.Delay(ex.RetryAfter is { } wait && wait > TimeSpan.Zero ? wait : TimeSpan.FromSeconds(1), clock);
                }
                catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.DuplicateOperation)
                {
                    Interlocked.Increment(ref doneBefore);
                    output.Write("end " + n + " done-before " + ex.KeyId + " " + ex.ResponseId);
                    return;
                }
                catch (InvoiceOcrException ex)
                {
                    Interlocked.Increment(ref failed);
                    output.Write("end " + n + " failed " + ex.Kind);
                    output.Write("failure " + ex);
                    return;
                }
            }
        });
        await Task.WhenAll(raceCalls);
    }

    await host.StopAsync();
    output.Write(string.Create(CultureInfo.InvariantCulture, $"summary succeeded={succeeded} done-before={doneBefore} failed={failed} cpu-ms={CpuMilliseconds()}"));
    return 0;
}

var share = Enumerable.Range(0, calls).Where(i => i % workers == index);
await Parallel.ForEachAsync(share, new ParallelOptions { MaxDegreeOfParallelism = concurrency }, async (i, ct) =>
{
    var n = i.ToString(CultureInfo.InvariantCulture);
    var company = spreadCompanies ? (i + (i / workers)) % companies : i % companies;
    var context = new ExtractionContext("c" + company.ToString(CultureInfo.InvariantCulture))
    {
        RequestedBy = "user-" + (i % 7).ToString(CultureInfo.InvariantCulture),
        Branch = "branch-" + (i % 3).ToString(CultureInfo.InvariantCulture),
        IdempotencyKey = idempotent ? "call-" + n : null,
    };
    output.Write("begin " + n);
    try
    {
        // The PDF parse time-out runs on the 600x clock (1 h of fake time is 6 real seconds): a process starting cold on a
        // loaded machine can exceed it on a valid document, so such a rejection is tried again, as an application would.
        InvoiceExtractionResult result;
        for (var parses = 1; ; parses++)
        {
            try
            {
                result = await extractor.ExtractAsync(documents[i % documents.Length], context, ct);
                break;
            }
            catch (InvalidDocumentException ex) when (parses < 5 && ex.Message.Contains("could not be parsed within", StringComparison.Ordinal))
            {
                output.Write("parse-retry " + n);
            }
        }

        Interlocked.Increment(ref succeeded);
        output.Write("end " + n + " ok " + result.KeyId + " " + result.ResponseId + " " + result.OperationId);
    }
    catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.DuplicateOperation)
    {
        // An earlier life of this worker finished the call: it is in the ledger and is not billed again.
        Interlocked.Increment(ref doneBefore);
        output.Write("end " + n + " done-before " + ex.KeyId + " " + ex.ResponseId);
    }
    catch (InvoiceOcrException ex)
    {
        Interlocked.Increment(ref failed);
        output.Write("end " + n + " failed " + ex.Kind);
        output.Write("failure " + ex);
    }
});

// Whatever an outage left in the outbox goes to the ledger before the worker reports done. With a short busy timeout the
// replay can lose the write lock to another worker on a loaded machine: it is tried again (the outbox keeps what is not
// replayed, and a replay is idempotent), as the background replay loop would.
var durable = host.Services.GetRequiredService<DurableUsageLogger>();
for (var tries = 1; ; tries++)
{
    try
    {
        await durable.ReplayOutboxAsync();
        break;
    }
    catch (InvoiceOcrException ex) when (ex.Kind == InvoiceOcrErrorKind.StoreUnavailable && tries < 100)
    {
        output.Write("replay-retry " + tries.ToString(CultureInfo.InvariantCulture));
        await Task.Delay(TimeSpan.FromMilliseconds(200));
    }
}

await host.StopAsync();
output.Write(string.Create(CultureInfo.InvariantCulture, $"summary succeeded={succeeded} done-before={doneBefore} failed={failed} cpu-ms={CpuMilliseconds()}"));
return 0;

// Race r has 2 to 8 calls (the same formula as the test's RaceReconciliationTests.RaceSize).
static int RaceSize(int race) => 2 + (race % 7);

static string CpuMilliseconds()
{
    using var self = System.Diagnostics.Process.GetCurrentProcess();
    return ((long)self.TotalProcessorTime.TotalMilliseconds).ToString(CultureInfo.InvariantCulture);
}
