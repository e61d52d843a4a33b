using System.Collections.Concurrent;
using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk.Gemini;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Sdk.Tests.EndToEnd;

/// <summary>
/// The SDK, registered as a user registers it, talking over real HTTP on loopback to an in-process Gemini emulator.
/// Keys are added to the SDK's store and to the emulator under the same secret, as a user adds real keys.
/// </summary>
internal sealed class EmulatedSdk : IAsyncDisposable
{
    private EmulatedSdk(GeminiEmulator emulator, ServiceProvider services, ModelRequestLog requests)
    {
        Emulator = emulator;
        Services = services;
        Requests = requests;
    }

    /// <summary>Gets every model call the SDK sent over HTTP (billed or not), by key secret, as seen on the wire.</summary>
    public ModelRequestLog Requests { get; }

    public GeminiEmulator Emulator { get; }

    public ServiceProvider Services { get; }

    public IInvoiceExtractor Extractor => Services.GetRequiredService<IInvoiceExtractor>();

    public IApiKeyStore Keys => Services.GetRequiredService<IApiKeyStore>();

    public IUsageLedger Ledger => Services.GetRequiredService<IUsageLedger>();

    public static async Task<EmulatedSdk> StartAsync(
        Action<GeminiEmulatorOptions>? configureEmulator = null,
        Action<InvoiceOcrOptions>? configureSdk = null,
        TimeProvider? timeProvider = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var emulatorOptions = new GeminiEmulatorOptions();
        configureEmulator?.Invoke(emulatorOptions);
        var emulator = await GeminiEmulator.StartAsync(emulatorOptions, timeProvider);

        var services = new ServiceCollection();
        if (timeProvider is not null)
        {
            services.AddSingleton(timeProvider);
        }

        services.AddInvoiceOcr(options =>
        {
            options.Gemini.BaseAddress = emulator.BaseAddress;
            options.Retry.InitialDelay = TimeSpan.FromMilliseconds(10);
            options.Retry.MaxDelay = TimeSpan.FromMilliseconds(50);
            configureSdk?.Invoke(options);
        });
        var requests = new ModelRequestLog();
        services.AddHttpClient(GeminiClient.HttpClientName).AddHttpMessageHandler(() => new ModelRequestLog.Handler(requests));
        configureServices?.Invoke(services);
        return new EmulatedSdk(emulator, services.BuildServiceProvider(validateScopes: true), requests);
    }

    public async Task AddKeyAsync(string companyId, string id, string secret, string project, int weight = 1, long? lifetimeLimit = null)
    {
        var added = await Keys.AddAsync(
            new ApiKey { Id = id, CompanyId = companyId, Secret = secret, ProjectId = project, Weight = weight, LifetimeTokenLimit = lifetimeLimit },
            CancellationToken.None);
        Assert.True(added);
    }

    public async Task AddKeyAsync(ApiKey key) => Assert.True(await Keys.AddAsync(key, CancellationToken.None));

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}

/// <summary>Counts the model calls (<c>generateContent</c>) an SDK sends, per key secret, at the HTTP handler.</summary>
internal sealed class ModelRequestLog
{
    private readonly ConcurrentDictionary<string, int> _bySecret = new(StringComparer.Ordinal);
    private int _total;

    public int Total => Volatile.Read(ref _total);

    public int For(string secret) => _bySecret.GetValueOrDefault(secret);

    internal sealed class Handler(ModelRequestLog log) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (request.RequestUri?.AbsolutePath.Contains("generateContent", StringComparison.OrdinalIgnoreCase) == true)
            {
                Interlocked.Increment(ref log._total);
                var secret = request.Headers.TryGetValues(GeminiClient.ApiKeyHeader, out var values) ? values.FirstOrDefault() ?? string.Empty : string.Empty;
                log._bySecret.AddOrUpdate(secret, 1, static (_, n) => n + 1);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
