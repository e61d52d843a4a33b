using System.Net.Http.Headers;
using InvoiceOcr.Emulator;
using InvoiceOcr.Samples.WebApi.Hosting;
using InvoiceOcr.Samples.WebApi.Tenants;
using InvoiceOcr.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Samples.WebApi.Tests;

/// <summary>
/// The real web API sample on Kestrel (127.0.0.1, a free port) with a fresh SQLite database, talking over HTTP to an
/// in-process Gemini emulator. Each test starts its own, so no state leaks between tests.
/// </summary>
internal sealed class WebApiHost : IAsyncDisposable
{
    public const string AdminKey = "test-admin-key-0123456789-abcdefghijkl";
    public const string GoodSecret = "test-key-webapi-good-0001";
    public const string GoodKeyId = "key-good";
    public const string Project = "project-a";

    private readonly string _directory;
    private readonly List<HttpClient> _tenantClients = [];

    private WebApiHost(GeminiEmulator emulator, WebApplication app, string directory)
    {
        Emulator = emulator;
        App = app;
        _directory = directory;
        BaseAddress = new Uri(app.Urls.Single(u => u.StartsWith("http://127.0.0.1:", StringComparison.Ordinal)) + "/");
        Client = new HttpClient { BaseAddress = BaseAddress };
        Admin = new HttpClient { BaseAddress = BaseAddress };
        Admin.DefaultRequestHeaders.Add("X-Admin-Key", AdminKey);
    }

    public GeminiEmulator Emulator { get; }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    /// <summary>Gets a client without credentials.</summary>
    public HttpClient Client { get; }

    /// <summary>Gets a client that sends the admin key.</summary>
    public HttpClient Admin { get; }

    public IServiceProvider Services => App.Services;

    public IApiKeyStore Keys => Services.GetRequiredService<IApiKeyStore>();

    public IUsageLedger Ledger => Services.GetRequiredService<IUsageLedger>();

    public string DatabasePath => Path.Combine(_directory, "invoiceocr.db");

    public string SampleDatabasePath => Path.Combine(_directory, "webapi.db");

    public ITenantCredentialStore Tenants => Services.GetRequiredService<ITenantCredentialStore>();

    /// <summary>Issues a credential for a company and returns a client that sends it.</summary>
    public async Task<HttpClient> TenantAsync(string companyId)
    {
        var issued = await Tenants.IssueAsync(companyId, "test", TestContext.Current.CancellationToken);
        return TenantClient(issued.Token);
    }

    /// <summary>Gets a client that sends a bearer token.</summary>
    public HttpClient TenantClient(string token)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _tenantClients.Add(client);
        return client;
    }

    /// <summary>Starts the sample.</summary>
    /// <param name="settings">Configuration on top of the test defaults; a null value removes a default.</param>
    /// <param name="environment">The hosting environment (Production unless a test needs another).</param>
    /// <param name="configure">More host configuration, applied last (endpoints, for example).</param>
    public static async Task<WebApiHost> StartAsync(IDictionary<string, string?>? settings = null, string environment = "Production", Action<WebApplicationBuilder>? configure = null)
    {
        var emulatorOptions = new GeminiEmulatorOptions();
        emulatorOptions.Keys.Add(new EmulatorKeyOptions { Key = GoodSecret, Id = "emu-good", Project = Project });
        var emulator = await GeminiEmulator.StartAsync(emulatorOptions, cancellationToken: TestContext.Current.CancellationToken);

        var directory = Path.Combine(Path.GetTempPath(), "invoiceocr-webapi-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        var configuration = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["InvoiceOcr:Gemini:BaseAddress"] = emulator.BaseAddress.ToString(),
            ["InvoiceOcr:EInvoiceMode"] = "ModelOnly",
            ["InvoiceOcr:Retry:InitialDelay"] = "00:00:00.010",
            ["InvoiceOcr:Retry:MaxDelay"] = "00:00:00.050",
            ["Storage:Provider"] = "Sqlite",
            ["Storage:Sqlite:DatabasePath"] = Path.Combine(directory, "invoiceocr.db"),
            ["SampleDatabase:Path"] = Path.Combine(directory, "webapi.db"),
            ["Storage:Sqlite:SecretProtection:CurrentKeyId"] = "test",
            ["Storage:Sqlite:SecretProtection:MasterKeys:test"] = Convert.ToBase64String(new byte[32]),
            ["Admin:ApiKey"] = AdminKey,
            ["RateLimiting:PermitLimit"] = "1000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            // A null value removes the setting, as if it were missing from appsettings.json.
            if (value is null)
            {
                configuration.Remove(key);
            }
            else
            {
                configuration[key] = value;
            }
        }

        WebApplication? app = null;
        try
        {
            app = InvoiceOcrWebApi.Build(
                new WebApplicationOptions
                {
                    EnvironmentName = environment,
                    ContentRootPath = Path.Combine(SharedData.RepositoryRoot, "samples", "InvoiceOcr.Samples.WebApi"),
                },
                builder =>
                {
                    builder.Configuration.AddInMemoryCollection(configuration);
                    builder.WebHost.UseUrls("http://127.0.0.1:0");
                    builder.Logging.ClearProviders();
                    configure?.Invoke(builder);
                });
            await app.StartAsync(TestContext.Current.CancellationToken);
        }
        catch
        {
            if (app is not null)
            {
                await app.DisposeAsync();
            }

            await emulator.DisposeAsync();
            throw;
        }

        return new WebApiHost(emulator, app, directory);
    }

    public async Task AddKeyAsync(string companyId, string id = GoodKeyId, string secret = GoodSecret, QuotaLimits? rates = null, long? lifetimeLimit = null)
    {
        var added = await Keys.AddAsync(
            new ApiKey { Id = id, CompanyId = companyId, Secret = secret, ProjectId = Project, Rates = rates ?? QuotaLimits.None, LifetimeTokenLimit = lifetimeLimit },
            TestContext.Current.CancellationToken);
        Assert.True(added);
    }

    public static MultipartFormDataContent Form(byte[] file, string fileName, string? companyId, string? username = "alice", string? branch = "Berlin", string contentType = "application/pdf")
    {
        var form = new MultipartFormDataContent();
        var content = new ByteArrayContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        form.Add(content, "file", fileName);
        if (companyId is not null)
        {
            form.Add(new StringContent(companyId), "companyID");
        }

        if (username is not null)
        {
            form.Add(new StringContent(username), "username");
        }

        if (branch is not null)
        {
            form.Add(new StringContent(branch), "branch");
        }

        return form;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Admin.Dispose();
        foreach (var client in _tenantClients)
        {
            client.Dispose();
        }

        await App.StopAsync(CancellationToken.None);
        await App.DisposeAsync();
        await Emulator.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open by the OS is left for the temp folder's cleanup.
        }
    }
}
