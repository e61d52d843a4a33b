using System.Net;
using System.Text.Json;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Samples.WebApi.Tests.Hosting;

/// <summary>Health, metrics, OpenAPI and the dashboard's static files on the real app.</summary>
public sealed class ObservabilityTests
{
    [Fact]
    public async Task Health_LiveAndReady_HealthyWithTheSqliteStore()
    {
        await using var host = await WebApiHost.StartAsync();

        using var live = await host.Client.GetAsync("health/live", TestContext.Current.CancellationToken);
        using var ready = await host.Client.GetAsync("health/ready", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("Healthy", await ready.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
        Assert.True(File.Exists(host.DatabasePath));
    }

    [Fact]
    public async Task Health_ReadyWhenTheDatabaseCannotBeOpened_Unhealthy()
    {
        await using var host = await WebApiHost.StartAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        await File.WriteAllTextAsync(host.DatabasePath, "this is not a SQLite database, it is a text file of more than a header's length........................", TestContext.Current.CancellationToken);

        using var ready = await host.Client.GetAsync("health/ready", TestContext.Current.CancellationToken);
        using var live = await host.Client.GetAsync("health/live", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
    }

    [Fact]
    public async Task Metrics_AfterAnExtraction_ExposeTheSdkTokenUsageInPrometheusFormat()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync("company-metrics");
        using var extract = await (await host.TenantAsync("company-metrics")).PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice("zugferd/EN16931_Einfach.pdf"), "i.pdf", "company-metrics"), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, extract.StatusCode);

        using var metrics = await host.Client.GetAsync("metrics", TestContext.Current.CancellationToken);
        var text = await metrics.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, metrics.StatusCode);
        Assert.Contains("gen_ai_client_token_usage", text, StringComparison.Ordinal);
        Assert.Contains("gen_ai_token_type=\"input\"", text, StringComparison.Ordinal);
        Assert.Contains("http_server_request_duration", text, StringComparison.Ordinal);
        Assert.DoesNotContain("company-metrics", text, StringComparison.Ordinal);
        Assert.DoesNotContain(WebApiHost.GoodSecret, text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpenApi_Document_DescribesExtractAndTheAdminApi()
    {
        await using var host = await WebApiHost.StartAsync();

        var document = JsonDocument.Parse(await host.Client.GetStringAsync("openapi/v1.json", TestContext.Current.CancellationToken)).RootElement;

        var paths = document.GetProperty("paths");
        Assert.True(paths.TryGetProperty("/extract", out var extract));
        Assert.True(extract.TryGetProperty("post", out _));
        Assert.True(paths.TryGetProperty("/admin/api/companies/{companyId}/keys", out _));
        Assert.True(paths.TryGetProperty("/admin/api/keys/{keyId}/status", out _));

        // Both security schemes are declared, and each operation asks for its own.
        var schemes = document.GetProperty("components").GetProperty("securitySchemes");
        Assert.Equal("bearer", schemes.GetProperty("tenantCredential").GetProperty("scheme").GetString());
        Assert.Equal("X-Admin-Key", schemes.GetProperty("adminKey").GetProperty("name").GetString());
        Assert.Equal("header", schemes.GetProperty("adminKey").GetProperty("in").GetString());
        Assert.True(extract.GetProperty("post").GetProperty("security")[0].TryGetProperty("tenantCredential", out _));
        Assert.True(paths.GetProperty("/admin/api/companies/{companyId}/keys").GetProperty("get").GetProperty("security")[0].TryGetProperty("adminKey", out _));
    }

    [Fact]
    public async Task OpenApiUi_Scalar_ServedFromTheAppWithoutACdn()
    {
        await using var host = await WebApiHost.StartAsync();

        var html = await host.Client.GetStringAsync("scalar/", TestContext.Current.CancellationToken);

        Assert.Contains("openapi/v1.json", html, StringComparison.Ordinal);
        Assert.DoesNotContain("cdn.", html, StringComparison.OrdinalIgnoreCase);
        var scripts = System.Text.RegularExpressions.Regex.Matches(html, "<script[^>]*src=\"([^\"]+)\"").Select(m => m.Groups[1].Value).ToList();
        Assert.NotEmpty(scripts);
        foreach (var script in scripts)
        {
            Assert.False(Uri.TryCreate(script, UriKind.Absolute, out var absolute) && absolute.Scheme.StartsWith("http", StringComparison.Ordinal), script);
            using var asset = await host.Client.GetAsync(new Uri(new Uri(host.BaseAddress, "scalar/"), script), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, asset.StatusCode);
        }
    }

    [Fact]
    public async Task Dashboard_StaticPage_ServedWithAStrictContentSecurityPolicyAndNoExternalReferences()
    {
        await using var host = await WebApiHost.StartAsync();

        using var page = await host.Client.GetAsync("admin/", TestContext.Current.CancellationToken);
        var html = await page.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var script = await host.Client.GetStringAsync("admin/admin.js", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("admin.js", html, StringComparison.Ordinal);
        var code = html + script.Replace("http://www.w3.org/2000/svg", string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", code, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", code, StringComparison.Ordinal);
    }
}
