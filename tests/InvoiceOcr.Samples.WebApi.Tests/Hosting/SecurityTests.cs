using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Samples.WebApi.Tests.Hosting;

/// <summary>Caller identity across the app: separate tenant and admin schemes, credentials managed by the admin API, HTTPS.</summary>
public sealed class SecurityTests
{
    private const string Company = "company-sec";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task AdminApi_TenantCredential_401BecauseAdminIsASeparateScheme()
    {
        await using var host = await WebApiHost.StartAsync();
        var tenant = await host.TenantAsync(Company);

        using var response = await tenant.GetAsync($"admin/api/companies/{Company}/keys", Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Extract_AdminKeyInsteadOfATenantCredential_401()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);

        using var response = await host.Admin.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice("zugferd/EN16931_Einfach.pdf"), "i.pdf", Company), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Empty(host.Emulator.Ledger.Entries);
    }

    [Fact]
    public async Task Credentials_IssuedByTheAdminApi_WorkOnceShownAreListedWithoutSecretsAndStopWorkingWhenRevoked()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);

        using var issuedResponse = await host.Admin.PostAsJsonAsync($"admin/api/companies/{Company}/credentials", new { label = "ERP" }, Ct);
        Assert.Equal(HttpStatusCode.Created, issuedResponse.StatusCode);
        var issued = await issuedResponse.Content.ReadFromJsonAsync<JsonElement>(Ct);
        var token = issued.GetProperty("token").GetString()!;
        var id = issued.GetProperty("credential").GetProperty("id").GetString()!;
        Assert.StartsWith("ioc_" + id + "_", token, StringComparison.Ordinal);

        using var extract = await host.TenantClient(token).PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice("zugferd/EN16931_Einfach.pdf"), "i.pdf", null), Ct);
        Assert.Equal(HttpStatusCode.OK, extract.StatusCode);

        var listed = await host.Admin.GetStringAsync($"admin/api/companies/{Company}/credentials", Ct);
        Assert.Contains(id, listed, StringComparison.Ordinal);
        Assert.DoesNotContain(token[(token.LastIndexOf('_') + 1)..], listed, StringComparison.Ordinal);
        var companies = await host.Admin.GetFromJsonAsync<string[]>("admin/api/companies", Ct);
        Assert.Contains(Company, companies!);

        // Only a hash is stored: the secret part of the token is nowhere in the sample's database file.
        var raw = await File.ReadAllBytesAsync(host.SampleDatabasePath, Ct);
        Assert.DoesNotContain(token[(token.LastIndexOf('_') + 1)..], System.Text.Encoding.ASCII.GetString(raw), StringComparison.Ordinal);

        using var revoke = await host.Admin.DeleteAsync($"admin/api/credentials/{id}", Ct);
        Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
        using var after = await host.TenantClient(token).PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice("zugferd/EN16931_Einfach.pdf"), "i.pdf", null), Ct);
        await ProblemAssert.IsProblemAsync(after, HttpStatusCode.Unauthorized);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // File modes are checked where they exist: CI is Linux.
    public async Task SampleDatabase_CreatedReadableByTheOwnerOnly()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.TenantAsync(Company);

        var mode = File.GetUnixFileMode(host.SampleDatabasePath);

        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, mode);
    }

    [Fact]
    public async Task Https_OutsideDevelopmentWithAnHttpsPort_PlainHttpRedirected()
    {
        await using var host = await WebApiHost.StartAsync(new Dictionary<string, string?> { ["https_port"] = "8443" });
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = host.BaseAddress };

        using var response = await client.GetAsync("health/live", Ct);

        Assert.Equal(HttpStatusCode.TemporaryRedirect, response.StatusCode);
        Assert.Equal("https", response.Headers.Location!.Scheme);
        Assert.Equal(8443, response.Headers.Location.Port);
    }

    [Fact]
    public void DevelopmentSettings_CommitNoSecrets()
    {
        var path = Path.Combine(SharedData.RepositoryRoot, "samples", "InvoiceOcr.Samples.WebApi", "appsettings.Development.json");
        var settings = JsonDocument.Parse(File.ReadAllText(path)).RootElement;

        Assert.False(settings.TryGetProperty("Storage", out _), "No master key in appsettings.Development.json: use user secrets or --demo.");
        Assert.False(settings.GetProperty("Admin").TryGetProperty("ApiKey", out _), "No admin key in appsettings.Development.json.");
    }
}
