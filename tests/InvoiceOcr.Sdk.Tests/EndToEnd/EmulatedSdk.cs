using InvoiceOcr.Emulator;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Sdk.Tests.EndToEnd;

/// <summary>
/// The SDK, registered as a user registers it, talking over real HTTP on loopback to an in-process Gemini emulator.
/// Keys are added to the SDK's store and to the emulator under the same secret, as a user adds real keys.
/// </summary>
internal sealed class EmulatedSdk : IAsyncDisposable
{
    private EmulatedSdk(GeminiEmulator emulator, ServiceProvider services)
    {
        Emulator = emulator;
        Services = services;
    }

    public GeminiEmulator Emulator { get; }

    public ServiceProvider Services { get; }

    public IInvoiceExtractor Extractor => Services.GetRequiredService<IInvoiceExtractor>();

    public IApiKeyStore Keys => Services.GetRequiredService<IApiKeyStore>();

    public IUsageLedger Ledger => Services.GetRequiredService<IUsageLedger>();

    public static async Task<EmulatedSdk> StartAsync(
        Action<GeminiEmulatorOptions>? configureEmulator = null,
        Action<InvoiceOcrOptions>? configureSdk = null,
        TimeProvider? timeProvider = null)
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
        return new EmulatedSdk(emulator, services.BuildServiceProvider(validateScopes: true));
    }

    public async Task AddKeyAsync(string companyId, string id, string secret, string project, int weight = 1, long? lifetimeLimit = null)
    {
        var added = await Keys.AddAsync(
            new ApiKey { Id = id, CompanyId = companyId, Secret = secret, ProjectId = project, Weight = weight, LifetimeTokenLimit = lifetimeLimit },
            CancellationToken.None);
        Assert.True(added);
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Emulator.DisposeAsync();
    }
}
