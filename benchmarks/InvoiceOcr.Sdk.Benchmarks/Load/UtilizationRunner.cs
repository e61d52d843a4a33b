using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using InvoiceOcr.Emulator;
using InvoiceOcr.Reconciliation.Tests;
using InvoiceOcr.Sdk.Benchmarks.Support;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Polly.Retry;

namespace InvoiceOcr.Sdk.Benchmarks.Load;

/// <summary>
/// Quota utilization on a backlog (issue 16): the emulator limits a project to <see cref="Limit"/> requests per minute (then, in
/// a second run, to <see cref="TokenLimit"/> input tokens per minute), and a
/// backlog far larger than the limit allows is worked off (a) by the SDK's job worker, whose key pool knows the limit and
/// admits only what fits, and (b) by a plain Polly v8 retry loop that posts the same request and, on a 429, waits the delay
/// the server names (RetryInfo's <c>retryDelay</c>, or <c>Retry-After</c>) and tries again. Both run over the same emulator
/// in the same run, one after the other, each on its own project. The emulator and the SDK share a clock running
/// <see cref="Factor"/> times real time (60 times in a smoke run), so a run takes about a minute.
/// </summary>
/// <remarks>
/// Utilization is the requests the emulator admitted (billed) in whole fake minutes, once each route is past its first
/// (warm-up) minutes, divided by the limit times those minutes; the 429s are the server's answers each route received.
/// The speed-up has a price: every real millisecond a request spends between the SDK's admission and the emulator's count
/// is <see cref="Factor"/> fake milliseconds, so a request admitted just before a minute ends (by the SDK's sliding window) can
/// be counted in the emulator's next fixed minute. The faster the clock, the more often that spills over into a 429;
/// hence a modest factor.
/// </remarks>
internal static class UtilizationRunner
{
    /// <summary>Requests per minute each project admits.</summary>
    public const int Limit = 60;

    /// <summary>
    /// Input tokens per minute each project admits under the token limit: 67 of the benchmark's requests (2,372 prompt tokens
    /// each; 67 × 2,372 = 158,924, so 0.993 is the most any route can reach). The key's <see cref="QuotaLimits.TokensPerMinute"/>
    /// is set to the same figure: it counts input tokens, as the emulator and Gemini do.
    /// </summary>
    public const int TokenLimit = 160_000;

    /// <summary>How much faster than real time the shared clock runs: a fake minute is 5 real seconds.</summary>
    public const double Factor = 12;

    private const string Model = "gemini-2.5-flash";
    private const string Company = "company-utilization";
    private const string JobsProject = "p-util-jobs";
    private const string PollyProject = "p-util-polly";
    private const string JobsSecret = "test-key-utilization-jobs-0001";
    private const string PollySecret = "test-key-utilization-polly-0001";

    /// <summary>Concurrent callers of each route: the job worker's slots, and the Polly loop's callers.</summary>
    private const int Callers = 8;

    // A whole UTC minute: the emulator counts requests per fixed UTC minute.
    private static readonly DateTimeOffset Start = new(2026, 1, 14, 18, 0, 0, TimeSpan.Zero);

    public static async Task<IReadOnlyList<Figure>> RunAsync(bool smoke)
    {
        var figures = new List<Figure>();
        foreach (var limit in new[] { UtilizationLimit.Requests, UtilizationLimit.InputTokens })
        {
            figures.AddRange(await RunAsync(limit, smoke));
        }

        return figures;
    }

    private static async Task<IReadOnlyList<Figure>> RunAsync(UtilizationLimit kind, bool smoke)
    {
        var minutes = smoke ? 1 : 3;
        var factor = smoke ? 60 : Factor;
        var clock = new ScaledTimeProvider(Start, factor);
        var options = new GeminiEmulatorOptions { Seed = 16 };
        options.Keys.Add(new EmulatorKeyOptions { Key = JobsSecret, Id = "util-jobs", Project = JobsProject });
        options.Keys.Add(new EmulatorKeyOptions { Key = PollySecret, Id = "util-polly", Project = PollyProject });
        options.Projects[JobsProject] = ProjectLimits(kind);
        options.Projects[PollyProject] = ProjectLimits(kind);
        await using var emulator = await GeminiEmulator.StartAsync(options, clock);
        var what = kind == UtilizationLimit.Requests ? $"{Limit} requests/minute" : $"{TokenLimit} input tokens/minute";
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Utilization: {what} per project, clock {factor}x real time, {minutes} measured minutes per route, {Callers} callers each"));

        var jobs = await JobWorkerRouteAsync(emulator, clock, minutes, kind);
        var polly = await PollyRouteAsync(emulator, clock, minutes, kind);
        var unit = kind == UtilizationLimit.Requests ? "RPM" : "TPM";
        return
        [
            new Figure(
                $"Quota utilization on a backlog under a {unit} limit, job worker (admitted per minute / limit)",
                Describe(jobs, kind),
                ">= 0.97, 0 server 429s",
                jobs.Utilization >= 0.97 && jobs.TooMany == 0,
                kind == UtilizationLimit.Requests
                    ? "the key pool admits only what fits the limit"
                    : "the key pool admits on the prompt estimate, as Gemini's TPM counts input tokens; 67 whole requests fit a minute (0.993)"),
            new Figure(
                $"Quota utilization on a backlog under a {unit} limit, Polly v8 retry loop honouring the server's retry delay",
                Describe(polly, kind),
                "(comparison)",
                null,
                "same emulator, same run, same limit"),
        ];
    }

    private static EmulatorProjectOptions ProjectLimits(UtilizationLimit kind) => kind == UtilizationLimit.Requests
        ? new EmulatorProjectOptions { RequestsPerMinute = Limit, Tier = EmulatorTier.Paid }
        : new EmulatorProjectOptions { InputTokensPerMinute = TokenLimit, Tier = EmulatorTier.Paid };

    private static QuotaLimits KeyLimits(UtilizationLimit kind) => kind == UtilizationLimit.Requests
        ? new QuotaLimits { RequestsPerMinute = Limit }
        : new QuotaLimits { TokensPerMinute = TokenLimit };

    private static string Describe(RouteResult route, UtilizationLimit kind) => string.Create(
        CultureInfo.InvariantCulture,
        $"{route.Utilization:0.000} ({route.Admitted} {(kind == UtilizationLimit.Requests ? "requests" : $"input tokens in {route.Requests} requests")} in {route.Minutes} min, per minute {route.MinPerMinute}-{route.MaxPerMinute} of {(kind == UtilizationLimit.Requests ? Limit : TokenLimit)}); {route.TooMany} server 429s");

    /// <summary>The SDK's job worker (in-memory store) with a job holding more documents than the measured minutes admit.</summary>
    private static async Task<RouteResult> JobWorkerRouteAsync(GeminiEmulator emulator, ScaledTimeProvider clock, int minutes, UtilizationLimit kind)
    {
        var tooMany = new StatusCounter();
        await using var host = await SdkHost.StartAsync(sqlite: false, emulator.BaseAddress, services =>
        {
            services.AddSingleton<TimeProvider>(clock);
            services.AddInvoiceOcr().AddJobs(o =>
            {
                o.WorkerId = "utilization";
                o.Concurrency = Callers;
                o.PollInterval = TimeSpan.FromSeconds(1); // fake time: 83 real ms (17 in a smoke run)
                o.VisibilityTimeout = TimeSpan.FromMinutes(10);
                o.HeartbeatInterval = TimeSpan.FromMinutes(1);
            });
            services.Configure<InvoiceOcrOptions>(o => o.Documents.PdfParseTimeout = TimeSpan.FromHours(1)); // fake time: a minute real
            services.AddHttpClient(InvoiceOcrTelemetry.GeminiHttpClientName).AddHttpMessageHandler(() => new StatusCounter.Handler(tooMany));
        });
        await host.Services.GetRequiredService<IApiKeyStore>().AddAsync(
            new ApiKey { Id = "util-jobs-key", CompanyId = Company, ProjectId = JobsProject, Secret = JobsSecret, Rates = KeyLimits(kind) },
            CancellationToken.None);

        var jobs = host.Services.GetRequiredService<IInvoiceJobs>();
        var job = await jobs.CreateJobAsync(new InvoiceJobRequest(Company) { JobKey = "backlog" }, CancellationToken.None);

        // Distinct documents (a job skips a document it holds): the same invoice padded by n bytes.
        var backlog = Limit * (minutes + 4); // the token limit admits about as many
        var documents = Enumerable.Range(1, backlog)
            .Select(n => InvoiceJobDocument.FromStream(new MemoryStream(BenchmarkPdf.Create(1, paddingBytes: n)), $"backlog-{n:D5}.pdf"))
            .ToList();
        var (from, to) = Window(clock, minutes);
        await jobs.AddDocumentsAsync(job.JobId, documents, CancellationToken.None);
        await WaitUntilAsync(clock, to);
        var progress = (await jobs.GetStatusAsync(job.JobId, CancellationToken.None))!.Progress;
        if (progress.Finished >= backlog)
        {
            Console.Error.WriteLine("The job worker emptied the backlog before the window closed: utilization is understated.");
        }

        return Measure(emulator, JobsProject, from, to, minutes, tooMany.Count, kind);
    }

    /// <summary>
    /// A plain retry loop: <see cref="Callers"/> callers post the same request in a loop through a Polly v8 pipeline that retries
    /// a 429 after the delay the server names, on the shared clock.
    /// </summary>
    private static async Task<RouteResult> PollyRouteAsync(GeminiEmulator emulator, ScaledTimeProvider clock, int minutes, UtilizationLimit kind)
    {
        var body = await LoadRunner.BuildBodyAsync(BenchmarkPdf.Create());
        using var client = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
        var endpoint = new Uri(emulator.BaseAddress, $"v1beta/models/{Model}:generateContent");
        var tooMany = 0;
        var pipeline = new ResiliencePipelineBuilder<HttpResponseMessage> { TimeProvider = clock }
            .AddRetry(new RetryStrategyOptions<HttpResponseMessage>
            {
                ShouldHandle = static args => ValueTask.FromResult(args.Outcome.Result?.StatusCode == HttpStatusCode.TooManyRequests),
                MaxRetryAttempts = int.MaxValue,
                BackoffType = DelayBackoffType.Constant,
                Delay = TimeSpan.FromSeconds(1),
                UseJitter = false,
                DelayGenerator = static async args => args.Outcome.Result is { } response ? await RetryDelayAsync(response, args.Context.CancellationToken) : null,
                OnRetry = _ =>
                {
                    Interlocked.Increment(ref tooMany);
                    return ValueTask.CompletedTask;
                },
            })
            .Build();

        var (from, to) = Window(clock, minutes);
        using var stop = new CancellationTokenSource(clock.Scale(to - clock.GetUtcNow()) + TimeSpan.FromMilliseconds(50));
        var callers = Enumerable.Range(0, Callers).Select(_ => Task.Run(async () =>
        {
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    using var response = await pipeline.ExecuteAsync(
                        async ct =>
                        {
                            using var message = new HttpRequestMessage(HttpMethod.Post, endpoint) { Content = new ByteArrayContent(body) };
                            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
                            message.Headers.TryAddWithoutValidation("x-goog-api-key", PollySecret);
                            return await client.SendAsync(message, HttpCompletionOption.ResponseContentRead, ct);
                        },
                        stop.Token);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // The window closed.
            }
        })).ToArray();
        await Task.WhenAll(callers);
        return Measure(emulator, PollyProject, from, to, minutes, Volatile.Read(ref tooMany), kind);
    }

    /// <summary>The delay a 429 names: the <c>Retry-After</c> header, else RetryInfo's <c>retryDelay</c> ("41s") in the body.</summary>
    private static async Task<TimeSpan?> RetryDelayAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Headers.RetryAfter?.Delta is { } delta)
        {
            return delta;
        }

        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
        if (document.RootElement.TryGetProperty("error", out var error) && error.TryGetProperty("details", out var details))
        {
            foreach (var detail in details.EnumerateArray())
            {
                if (detail.TryGetProperty("retryDelay", out var delay) && delay.GetString() is { } text && text.EndsWith('s') &&
                    double.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds))
                {
                    return TimeSpan.FromSeconds(seconds);
                }
            }
        }

        return null;
    }

    /// <summary>The measured minutes: whole UTC minutes after two minutes of warm-up (the first fills a partial minute).</summary>
    private static (DateTimeOffset From, DateTimeOffset To) Window(TimeProvider clock, int minutes)
    {
        var now = clock.GetUtcNow();
        var from = new DateTimeOffset(now.UtcTicks - (now.UtcTicks % TimeSpan.TicksPerMinute), TimeSpan.Zero).AddMinutes(2);
        return (from, from.AddMinutes(minutes));
    }

    private static async Task WaitUntilAsync(ScaledTimeProvider clock, DateTimeOffset instant)
    {
        var wait = instant - clock.GetUtcNow();
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(clock.Scale(wait) + TimeSpan.FromMilliseconds(50));
        }
    }

    private static RouteResult Measure(GeminiEmulator emulator, string project, DateTimeOffset from, DateTimeOffset to, int minutes, int tooMany, UtilizationLimit kind)
    {
        // A request counts 1 against a request limit, its prompt tokens against an input-token limit.
        var admitted = emulator.Ledger.Entries.Where(e => e.Project == project && e.Timestamp >= from && e.Timestamp < to).ToList();
        long Weight(IEnumerable<EmulatorLedgerEntry> entries) => kind == UtilizationLimit.Requests ? entries.LongCount() : entries.Sum(e => (long)e.PromptTokenCount);
        var perMinute = Enumerable.Range(0, minutes).Select(m => Weight(admitted.Where(e => e.Timestamp >= from.AddMinutes(m) && e.Timestamp < from.AddMinutes(m + 1)))).ToList();
        var limit = kind == UtilizationLimit.Requests ? Limit : TokenLimit;
        return new RouteResult(Weight(admitted), admitted.Count, minutes, (double)Weight(admitted) / ((long)limit * minutes), perMinute.Min(), perMinute.Max(), tooMany);
    }

    private sealed record RouteResult(long Admitted, int Requests, int Minutes, double Utilization, long MinPerMinute, long MaxPerMinute, int TooMany);

    private enum UtilizationLimit
    {
        Requests,
        InputTokens,
    }

    /// <summary>Counts the server's 429 answers to the SDK.</summary>
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
}
