using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using InvoiceOcr.TestSupport;
using Microsoft.Playwright;

namespace InvoiceOcr.Samples.WebApi.Tests.Admin;

/// <summary>The dashboard's jobs panel (wwwroot/admin/jobs.js) in headless Chromium, over a job the SDK's worker really processed.</summary>
public sealed partial class DashboardBrowserTests
{
    [Fact]
    public async Task Jobs_ACompanysJobWithAFailedItem_ShowsProgressItemsByStateAndAnItemsTransitions()
    {
        await using var host = await WebApiHost.StartAsync(new Dictionary<string, string?> { ["Jobs:PollInterval"] = "00:00:00.020" });
        await host.AddKeyAsync(CompanyA);
        var tenant = await host.TenantAsync(CompanyA);

        // Two e-invoices the emulator answers and one damaged PDF, which fails for good: the job ends PartiallyProcessed.
        using var form = new MultipartFormDataContent();
        foreach (var path in new[] { "zugferd/EN16931_Einfach.pdf", "zugferd/XRECHNUNG_Einfach.pdf", "edge/corrupt-factur-x-waytoosmall.pdf" })
        {
            var content = new ByteArrayContent(SharedData.ReadInvoice(path));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            form.Add(content, "files", Path.GetFileName(path));
        }

        form.Add(new StringContent("month-end-2026-11"), "jobKey");
        using var submitted = await tenant.PostAsync("jobs", form, Ct);
        Assert.Equal(HttpStatusCode.Created, submitted.StatusCode);
        var jobId = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("job").GetProperty("jobId").GetString()!;
        while (true)
        {
            var state = JsonDocument.Parse(await tenant.GetStringAsync("jobs/" + jobId, Ct)).RootElement.GetProperty("state").GetString();
            if (state is "Completed" or "PartiallyProcessed" or "Failed")
            {
                Assert.Equal("PartiallyProcessed", state);
                break;
            }

            await Task.Delay(50, Ct);
        }

        await using var browser = await DashboardBrowser.OpenAsync(host);
        var page = browser.Page;
        await browser.SignInAsync();

        var row = page.Locator($"#jobs tr[data-job-id='{jobId}']");
        await Assertions.Expect(row).ToContainTextAsync("PartiallyProcessed");
        await Assertions.Expect(row).ToContainTextAsync("3 / 3 (100%)");
        await Assertions.Expect(row).ToContainTextAsync("month-end-2026-11");
        await Assertions.Expect(page.GetByLabel("Progress of " + jobId)).ToHaveAttributeAsync("value", "3");

        await page.GetByRole(AriaRole.Button, new() { Name = "Show items of " + jobId }).ClickAsync();
        await Assertions.Expect(page.Locator("#job-states li[data-state='Completed']")).ToContainTextAsync("2");
        await Assertions.Expect(page.Locator("#job-states li[data-state='Failed']")).ToContainTextAsync("1");
        await Assertions.Expect(page.Locator("#job-items tbody tr")).ToHaveCountAsync(3);
        await Assertions.Expect(page.Locator("#job-items tbody tr[data-state='Completed']").First).ToContainTextAsync("471102");
        var failed = page.Locator("#job-items tbody tr[data-state='Failed']");
        await Assertions.Expect(failed).ToContainTextAsync("InvalidDocument");

        // Only the failed items.
        await page.GetByLabel("Show", new() { Exact = true }).SelectOptionAsync("Failed");
        await Assertions.Expect(page.Locator("#job-items tbody tr")).ToHaveCountAsync(1);

        var itemId = await failed.GetAttributeAsync("data-item-id");
        await page.GetByRole(AriaRole.Button, new() { Name = "Show transitions of " + itemId }).ClickAsync();
        await Assertions.Expect(page.Locator("#transitions-title")).ToHaveTextAsync("Transitions of " + itemId);
        await Assertions.Expect(page.Locator("#transitions tbody tr").Last).ToContainTextAsync("Failed");
        await Assertions.Expect(page.Locator("#transitions tbody")).ToContainTextAsync("Processing");
        Assert.DoesNotContain(WebApiHost.GoodSecret, await page.ContentAsync(), StringComparison.Ordinal);

        await page.GetByLabel("Show", new() { Exact = true }).SelectOptionAsync("");
        await Assertions.Expect(page.Locator("#job-items tbody tr")).ToHaveCountAsync(3);
        await page.Locator("#jobs-section").ScrollIntoViewIfNeededAsync();
        await browser.ScreenshotAsync("dashboard-jobs.png", fullPage: true);
        browser.AssertNoConsoleErrors();
    }
}
