using System.Net;
using InvoiceOcr.Emulator.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace InvoiceOcr.Emulator;

/// <summary>
/// A local stand-in for the Gemini API (v1beta) served by Kestrel over real HTTP: <c>generateContent</c>,
/// <c>streamGenerateContent?alt=sse</c>, <c>countTokens</c>, models, the Files API and <c>GET /emulator/ledger</c>.
/// Start one per test class with <see cref="StartAsync"/> and point a client at <see cref="BaseAddress"/>.
/// </summary>
/// <example>
/// <code>
/// var options = new GeminiEmulatorOptions();
/// options.Keys.Add(new EmulatorKeyOptions { Key = "test-key-1", Project = "p1" });
/// await using var emulator = await GeminiEmulator.StartAsync(options);
/// // POST {emulator.BaseAddress}v1beta/models/gemini-2.5-flash:generateContent with x-goog-api-key: test-key-1
/// </code>
/// </example>
public sealed class GeminiEmulator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EmulatorEngine _engine;
    private int _stopped;

    private GeminiEmulator(WebApplication app, EmulatorEngine engine, Uri baseAddress)
    {
        _app = app;
        _engine = engine;
        BaseAddress = baseAddress;
    }

    /// <summary>
    /// The test-only request header whose value the ledger records as <see cref="EmulatorLedgerEntry.TestAttempt"/>, so a
    /// harness can match every billed call to the attempt that made it. Not a Gemini header; never send it to Google.
    /// </summary>
    public const string TestAttemptHeader = "x-invoiceocr-test-attempt";

    /// <summary>Gets the root address, for example <c>http://127.0.0.1:54321/</c> (always ends with a slash).</summary>
    public Uri BaseAddress { get; }

    /// <summary>Gets the billing ledger: every call the real service would bill.</summary>
    public EmulatorLedger Ledger => _engine.Ledger;

    /// <summary>Starts an emulator on <see cref="GeminiEmulatorOptions.ListenAddress"/> and <see cref="GeminiEmulatorOptions.Port"/> (0 = a free port).</summary>
    /// <param name="options">The configuration; validated here. Do not change it while the emulator runs.</param>
    /// <param name="timeProvider">The clock for quotas, file states, latency and ledger timestamps; <see cref="TimeProvider.System"/> by default.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running emulator; dispose it to stop it.</returns>
    /// <exception cref="ArgumentException">The options are invalid.</exception>
    public static async Task<GeminiEmulator> StartAsync(GeminiEmulatorOptions options, TimeProvider? timeProvider = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (!IPAddress.TryParse(options.ListenAddress, out var address))
        {
            throw new ArgumentException($"ListenAddress '{options.ListenAddress}' is not an IP address.", nameof(options));
        }

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(GeminiEmulator).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
            Args = [],
        });
        builder.Logging.ClearProviders();
        if (options.EnableConsoleLogging)
        {
            // Warning and above only: request logs would print URLs, and a URL may carry ?key=.
            builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        }

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null; // The emulator enforces MaxRequestBytes itself, with the recorded error.
            kestrel.Listen(address, options.Port);
        });

        var app = builder.Build();
        var engine = new EmulatorEngine(options, timeProvider ?? TimeProvider.System);
        app.Use(EmulatorEngine.GoogleShapedNotFoundAsync);
        engine.Map(app);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);

        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        var uri = new Uri(bound.EndsWith('/') ? bound : bound + "/");
        return new GeminiEmulator(app, engine, uri);
    }

    /// <summary>Adds scripted faults while running: the next <paramref name="count"/> model calls (of <paramref name="keyId"/>, when given) get <paramref name="kind"/>.</summary>
    /// <param name="kind">The fault.</param>
    /// <param name="count">How many calls; at least 1.</param>
    /// <param name="keyId">The key id (<see cref="EmulatorKeyOptions.EffectiveId"/>) to target, or <see langword="null"/> for any key.</param>
    public void InjectFault(EmulatorFaultKind kind, int count = 1, string? keyId = null) => _engine.Faults.Enqueue(kind, count, keyId);

    /// <summary>
    /// Scripts how the next batch created ends instead of succeeding (expired, failed or cancelled, with some of its requests run
    /// and billed first). Scripts queue up: each one applies to one batch, in the order the batches are created.
    /// </summary>
    /// <param name="end">How it ends.</param>
    public void EndNextBatch(EmulatorBatchEnd end)
    {
        ArgumentNullException.ThrowIfNull(end);
        ArgumentOutOfRangeException.ThrowIfNegative(end.CompletedRequests);
        _engine.Batches.ScriptEnd(end);
    }

    /// <summary>Stops accepting requests and waits for in-flight ones.</summary>
    /// <param name="cancellationToken">Ends the graceful wait early.</param>
    /// <returns>A task completing when the server stopped.</returns>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 0)
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Stops the server and releases it.</summary>
    /// <returns>A task completing when the server is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _engine.Dispose();
    }
}
