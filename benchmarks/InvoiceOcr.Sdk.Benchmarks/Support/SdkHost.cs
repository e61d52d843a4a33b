using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Benchmarks.Support;

/// <summary>The SDK registered as a user registers it, on the in-memory store or on SQLite in a temp folder.</summary>
internal sealed class SdkHost : IAsyncDisposable
{
    private readonly List<IHostedService> _hosted;
    private readonly string? _directory;

    private SdkHost(ServiceProvider services, List<IHostedService> hosted, string? directory)
    {
        Services = services;
        _hosted = hosted;
        _directory = directory;
    }

    public ServiceProvider Services { get; }

    public string? DatabasePath => _directory is null ? null : Path.Combine(_directory, "bench.db");

    public static async Task<SdkHost> StartAsync(bool sqlite, Uri? baseAddress = null, Action<IServiceCollection>? configureServices = null)
    {
        var directory = sqlite ? Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), "invoiceocr-bench", Guid.NewGuid().ToString("N"))).FullName : null;
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.ClearProviders().SetMinimumLevel(LogLevel.Warning));
        var builder = services.AddInvoiceOcr(options =>
        {
            options.EInvoiceMode = EInvoiceMode.ModelOnly;
            options.KeyPool.RandomSeed = 1;
            if (baseAddress is not null)
            {
                options.Gemini.BaseAddress = baseAddress;
            }
        });
        if (directory is not null)
        {
            builder.AddSqliteStore(Path.Combine(directory, "bench.db"), o =>
            {
                o.SecretProtection.CurrentKeyId = "bench";
                o.SecretProtection.MasterKeys["bench"] = Convert.ToBase64String(SHA256.HashData("invoiceocr-benchmark-master-key"u8));
            });
        }

        configureServices?.Invoke(services);
        var provider = services.BuildServiceProvider();
        var hosted = provider.GetServices<IHostedService>().ToList();
        foreach (var service in hosted)
        {
            await service.StartAsync(CancellationToken.None).ConfigureAwait(false);
        }

        return new SdkHost(provider, hosted, directory);
    }

    public static string CompanyId(int i) => "company-" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    public static string KeyId(int i) => "key-" + i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Adds one key per company (project "p-bench" unless given), the secret the emulator knows when there is one.</summary>
    public async Task AddKeysAsync(int companies, Func<int, string> secret, QuotaLimits? rates = null)
    {
        var store = Services.GetRequiredService<IApiKeyStore>();
        for (var i = 0; i < companies; i++)
        {
            await store.AddAsync(
                new ApiKey { Id = KeyId(i), CompanyId = CompanyId(i), ProjectId = "p-bench", Secret = secret(i), Rates = rates ?? QuotaLimits.None },
                CancellationToken.None).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _hosted)
        {
            await service.StopAsync(CancellationToken.None).ConfigureAwait(false);
        }

        await Services.DisposeAsync().ConfigureAwait(false);
        if (_directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Left for the OS to clean.
            }
        }
    }
}
