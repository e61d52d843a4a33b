using System.Security.Cryptography;
using InvoiceOcr.Emulator;
using InvoiceOcr.Samples.WebApi.Hosting;
using InvoiceOcr.Samples.WebApi.Tenants;
using InvoiceOcr.Sdk;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Samples.WebApi.Demo;

/// <summary>
/// <c>--demo</c>: a working web sample in one command. It starts the bundled Gemini emulator in-process, registers the
/// demo key with it and with the store, generates every secret (the master key once, kept 0600 under
/// <c>data/demo/</c>; the admin key and a tenant credential on every start), and prints what to paste: the dashboard's
/// address and admin key, and the seed's curl with the tenant credential. Uploads go to the emulated model
/// (<c>EInvoiceMode = ModelOnly</c>), so usage, latency and refusals show on the dashboard. Nothing here is for production.
/// </summary>
public static class DemoMode
{
    /// <summary>The command-line switch.</summary>
    public const string Switch = "--demo";

    /// <summary>The demo tenant.</summary>
    public const string Company = "demo-company";

    /// <summary>The demo key's id in the store.</summary>
    public const string KeyId = "demo-key";

    /// <summary>The demo key's secret: obviously not a real Gemini key; the emulator knows it.</summary>
    public const string KeySecret = "test-key-webdemo-emulator-0001";

    /// <summary>The demo key's project.</summary>
    public const string Project = "demo-project";

    /// <summary>Runs the demo until Ctrl+C.</summary>
    /// <param name="args">The remaining command-line arguments (for example <c>--urls</c>).</param>
    /// <returns>The exit code.</returns>
    public static async Task<int> RunAsync(string[] args)
    {
        await using var demo = await StartAsync(new WebApplicationOptions { Args = args }, dataDirectory: null, configure: null, CancellationToken.None).ConfigureAwait(false);
        Console.WriteLine(demo.Banner());
        await demo.App.WaitForShutdownAsync().ConfigureAwait(false);
        return 0;
    }

    /// <summary>Starts the emulator and the app, and seeds the demo tenant.</summary>
    /// <param name="options">Arguments, environment and content root.</param>
    /// <param name="dataDirectory">Where the demo's databases and master key live; <c>data/demo</c> under the content root by default.</param>
    /// <param name="configure">Changes the builder after the demo's settings are added (tests pick the URL here).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The running demo.</returns>
    public static async Task<DemoSession> StartAsync(
        WebApplicationOptions options, string? dataDirectory, Action<WebApplicationBuilder>? configure, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var emulatorOptions = new GeminiEmulatorOptions { Seed = 42 };
        emulatorOptions.Keys.Add(new EmulatorKeyOptions { Key = KeySecret, Id = "emulator-demo-key", Project = Project });
        var emulator = await GeminiEmulator.StartAsync(emulatorOptions, cancellationToken: cancellationToken).ConfigureAwait(false);
        WebApplication? app = null;
        try
        {
            var adminKey = RandomToken();
            app = InvoiceOcrWebApi.Build(options, builder =>
            {
                var data = dataDirectory ?? Path.Combine(builder.Environment.ContentRootPath, "data", "demo");
                Directory.CreateDirectory(data);
                builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
                {
                    ["InvoiceOcr:Gemini:BaseAddress"] = emulator.BaseAddress.ToString(),
                    ["InvoiceOcr:EInvoiceMode"] = "ModelOnly",
                    ["Storage:Provider"] = "Sqlite",
                    ["Storage:Sqlite:DatabasePath"] = Path.Combine(data, "invoiceocr.db"),
                    ["Storage:Sqlite:SecretProtection:CurrentKeyId"] = "demo",
                    ["Storage:Sqlite:SecretProtection:MasterKeys:demo"] = MasterKey(Path.Combine(data, "masterkey")),
                    ["SampleDatabase:Path"] = Path.Combine(data, "webapi.db"),
                    ["Admin:ApiKey"] = adminKey,
                    ["Admin:Companies:0"] = Company,
                });
                configure?.Invoke(builder);
            });
            await app.StartAsync(cancellationToken).ConfigureAwait(false);
            var token = await SeedAsync(app.Services, cancellationToken).ConfigureAwait(false);
            return new DemoSession(app, emulator, adminKey, token);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }

            await emulator.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task<string> SeedAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        var keys = services.GetRequiredService<IApiKeyStore>();
        if (await keys.GetAsync(KeyId, cancellationToken).ConfigureAwait(false) is null)
        {
            await keys.AddAsync(
                new ApiKey { Id = KeyId, CompanyId = Company, CompanyName = "Demo Company", Secret = KeySecret, ProjectId = Project, LifetimeTokenLimit = 1_000_000 },
                cancellationToken).ConfigureAwait(false);
        }

        var issued = await services.GetRequiredService<ITenantCredentialStore>().IssueAsync(Company, "demo", cancellationToken).ConfigureAwait(false);
        return issued.Token;
    }

    private static string RandomToken() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string MasterKey(string path)
    {
        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using var writer = new StreamWriter(path, options);
        writer.Write(key);
        return key;
    }
}

/// <summary>A running demo: the app, the emulator and the generated credentials.</summary>
public sealed class DemoSession : IAsyncDisposable
{
    internal DemoSession(WebApplication app, GeminiEmulator emulator, string adminKey, string tenantToken)
    {
        App = app;
        Emulator = emulator;
        AdminKey = adminKey;
        TenantToken = tenantToken;
    }

    /// <summary>Gets the web app.</summary>
    public WebApplication App { get; }

    /// <summary>Gets the in-process Gemini emulator.</summary>
    public GeminiEmulator Emulator { get; }

    /// <summary>Gets the admin key generated for this run.</summary>
    public string AdminKey { get; }

    /// <summary>Gets the demo tenant's credential issued for this run.</summary>
    public string TenantToken { get; }

    /// <summary>Gets the app's first address.</summary>
    public Uri BaseAddress
    {
        get
        {
            var addresses = App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [];
            var first = addresses.FirstOrDefault() ?? "http://localhost:5000";
            return new Uri(first.Replace("://[::]", "://localhost", StringComparison.Ordinal).Replace("://0.0.0.0", "://localhost", StringComparison.Ordinal).TrimEnd('/') + "/");
        }
    }

    /// <summary>Gets what the demo prints: where to look and what to paste.</summary>
    /// <returns>The text.</returns>
    public string Banner()
    {
        var sample = SampleInvoice();
        var url = BaseAddress;
        return $"""

            ┌─ InvoiceOcr web sample: DEMO MODE (SIMULATED: the bundled Gemini emulator answers, not Gemini) ─
            │ Web API:    {url}extract       OpenAPI UI: {url}scalar
            │ Dashboard:  {url}admin/        admin key (new every start): {AdminKey}
            │ Tenant:     {DemoMode.Company}, credential (new every start): {TenantToken}
            │ Data:       {Path.GetDirectoryName(App.Services.GetRequiredService<IOptions<SqliteStoreOptions>>().Value.DatabasePath)} (master key kept 0600 beside the databases)
            └─ Try the seed's request with the tenant's credential:

            curl -H "Authorization: Bearer {TenantToken}" \
                 -F "file=@{sample}" -F "companyID={DemoMode.Company}" -F "username=alice" -F "branch=Berlin" \
                 {url}extract

            Ctrl+C stops it.
            """;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None).ConfigureAwait(false);
        await App.DisposeAsync().ConfigureAwait(false);
        await Emulator.DisposeAsync().ConfigureAwait(false);
    }

    private static string SampleInvoice()
    {
        // The shared corpus's hybrid e-invoices: the emulator answers them from their embedded XML, like a perfect model.
        var corpus = Environment.GetEnvironmentVariable("INVOICEOCR_CORPUS");
        var candidates = new List<string>();
        if (!string.IsNullOrEmpty(corpus))
        {
            candidates.Add(Path.Combine(corpus, "zugferd", "EN16931_Einfach.pdf"));
        }

        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            candidates.Add(Path.Combine(dir.FullName, "shared", "invoices", "zugferd", "EN16931_Einfach.pdf"));
        }

        return candidates.FirstOrDefault(File.Exists) ?? "invoice.pdf";
    }
}
