using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using InvoiceOcr.Samples.WebApi.Demo;
using InvoiceOcr.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Samples.WebApi.Tests.Demo;

/// <summary><c>--demo</c>: one command gives a working sample with the emulator, a seeded tenant and generated secrets.</summary>
public sealed class DemoModeTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // File modes are checked where they exist: CI is Linux.
    public async Task Demo_SeedsCurlWithThePrintedCredential_ExtractsThroughTheEmulatorAndShowsOnTheAdminApi()
    {
        var data = Path.Combine(Path.GetTempPath(), "invoiceocr-webapi-demo-tests", Guid.NewGuid().ToString("N"));
        try
        {
            await using (var demo = await StartAsync(data))
            {
                var banner = demo.Banner();
                Assert.Contains(demo.TenantToken, banner, StringComparison.Ordinal);
                Assert.Contains(demo.AdminKey, banner, StringComparison.Ordinal);
                Assert.Contains("curl -H \"Authorization: Bearer " + demo.TenantToken + "\"", banner, StringComparison.Ordinal);
                Assert.Contains("-F \"companyID=demo-company\"", banner, StringComparison.Ordinal);

                using var client = new HttpClient { BaseAddress = demo.BaseAddress };
                client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", demo.TenantToken);
                using var response = await client.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice("zugferd/EN16931_Einfach.pdf"), "EN16931_Einfach.pdf", DemoMode.Company), Ct);

                var body = await response.Content.ReadAsStringAsync(Ct);
                Assert.True(response.StatusCode == HttpStatusCode.OK, body);
                Assert.Equal("471102", JsonDocument.Parse(body).RootElement.GetProperty("invoice").GetProperty("invoiceId").GetString());
                Assert.Single(demo.Emulator.Ledger.Entries); // The emulated model answered: the key is registered with it.

                using var admin = new HttpClient { BaseAddress = demo.BaseAddress };
                admin.DefaultRequestHeaders.Add("X-Admin-Key", demo.AdminKey);
                Assert.Contains(DemoMode.Company, await admin.GetStringAsync("admin/api/companies", Ct), StringComparison.Ordinal);
            }

            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "masterkey")));

            // A second start reuses the master key and the stored demo key, and prints a new credential.
            await using var again = await StartAsync(data);
            using var second = new HttpClient { BaseAddress = again.BaseAddress };
            second.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", again.TenantToken);
            using var secondResponse = await second.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice("zugferd/EN16931_Einfach.pdf"), "again.pdf", null), Ct);
            Assert.Equal(HttpStatusCode.OK, secondResponse.StatusCode);
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
                // Left for the temp folder's cleanup.
            }
        }
    }

    private static Task<DemoSession> StartAsync(string data) => DemoMode.StartAsync(
        new WebApplicationOptions
        {
            EnvironmentName = "Production",
            ContentRootPath = Path.Combine(SharedData.RepositoryRoot, "samples", "InvoiceOcr.Samples.WebApi"),
        },
        data,
        builder =>
        {
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
        },
        Ct);
}
