using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace InvoiceOcr.Samples.WebApi.Tests.Admin;

/// <summary>
/// The admin dashboard in real headless Chromium (Debian's <c>/usr/bin/chromium</c>, driven by Microsoft.Playwright;
/// no browser is ever downloaded): it loads, shows the seeded keys, usage, errors and retries, and a status change made
/// on the page reaches the SQLite store.
/// </summary>
public sealed class DashboardBrowserTests
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const string CompanyA = "company-alpha";
    private const string CompanyB = "company-beta";

    [Fact]
    public async Task Dashboard_SeededStore_ShowsKeysUsageErrorsRetriesAndAStatusChangeReachesTheStore()
    {
        Assert.True(
            File.Exists(ChromiumPath),
            $"{ChromiumPath} is missing. Install Debian's chromium ('bash eng/prerequisites/chromium.sh' as root, which ./test.sh runs first); this test never downloads a browser.");
        await using var host = await WebApiHost.StartAsync(new Dictionary<string, string?> { ["Admin:Companies:0"] = CompanyA, ["Admin:LookbackDays"] = "7" });
        await SeedAsync(host);

        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = host.BaseAddress.ToString() });
        var consoleErrors = new List<string>();
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                consoleErrors.Add(message.Text + " at " + message.Location);
            }
        };

        await page.GotoAsync("admin/");
        await page.GetByLabel("Admin key").FillAsync(WebApiHost.AdminKey);
        await page.GetByLabel("Add company").FillAsync(CompanyB); // Not configured: typed in, as an operator would.
        await page.GetByRole(AriaRole.Button, new() { Name = "Load" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Loaded 2 companies");

        // Keys of both companies, with status, masked secret and remaining tokens.
        var alpha1 = page.Locator("#keys tr[data-key-id='key-alpha-1']");
        await Assertions.Expect(alpha1).ToContainTextAsync("Active");
        await Assertions.Expect(alpha1).ToContainTextAsync("test\u20260001");
        await Assertions.Expect(alpha1).ToContainTextAsync("99,000"); // remaining of 100,000 after 1,000 used
        await Assertions.Expect(page.Locator("#keys tr[data-key-id='key-beta-1']")).ToContainTextAsync(CompanyB);
        await Assertions.Expect(page.Locator("#keys tbody tr")).ToHaveCountAsync(3);
        Assert.DoesNotContain("test-key-alpha-secret-0001", await page.ContentAsync(), StringComparison.Ordinal);

        // Usage per company: totals and one chart line per company.
        await Assertions.Expect(page.Locator("#usage tr[data-company='company-alpha']")).ToContainTextAsync("1,500");
        await Assertions.Expect(page.Locator("#usage tr[data-company='company-beta']")).ToContainTextAsync("700");
        await Assertions.Expect(page.Locator("#usage-chart polyline")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#usage-chart circle")).ToHaveCountAsync(3); // alpha: two days, beta: one day
        await Assertions.Expect(page.Locator("#usage-legend")).ToContainTextAsync(CompanyB);
        var points = await page.Locator("#usage-chart polyline[data-company='company-alpha']").GetAttributeAsync("points");
        Assert.Equal(7, points!.Split(' ').Length); // One point per day of Admin:LookbackDays.

        // Recent errors and failed retries.
        await Assertions.Expect(page.Locator("#errors tbody")).ToContainTextAsync("OutputTruncated");
        await Assertions.Expect(page.Locator("#errors tbody")).ToContainTextAsync("broken.pdf");
        await Assertions.Expect(page.Locator("#retries tbody")).ToContainTextAsync("op-retried");
        await Assertions.Expect(page.Locator("#retries tbody")).ToContainTextAsync("ServerError");

        // A status change on the page reaches the store.
        await page.GetByLabel("New status of key-alpha-1").SelectOptionAsync("Disabled");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply status to key-alpha-1" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Key key-alpha-1 is now Disabled.");
        await Assertions.Expect(alpha1.Locator(".badge")).ToHaveTextAsync("Disabled");

        var stored = await host.Keys.GetAsync("key-alpha-1", TestContext.Current.CancellationToken);
        Assert.Equal(ApiKeyStatus.Disabled, stored!.Status);
        Assert.Equal("Changed on the admin dashboard.", stored.StatusReason);
        Assert.Equal(ApiKeyStatus.Active, (await host.Keys.GetAsync("key-alpha-2", TestContext.Current.CancellationToken))!.Status);
        Assert.Empty(consoleErrors);
    }

    private static async Task SeedAsync(WebApiHost host)
    {
        var ct = TestContext.Current.CancellationToken;
        var keys = host.Keys;
        Assert.True(await keys.AddAsync(new ApiKey { Id = "key-alpha-1", CompanyId = CompanyA, Secret = "test-key-alpha-secret-0001", ProjectId = "p-a", LifetimeTokenLimit = 100_000 }, ct));
        Assert.True(await keys.AddAsync(new ApiKey { Id = "key-alpha-2", CompanyId = CompanyA, Secret = "test-key-alpha-secret-0002", ProjectId = "p-a" }, ct));
        Assert.True(await keys.AddAsync(new ApiKey { Id = "key-beta-1", CompanyId = CompanyB, Secret = "test-key-beta-secret-0003", ProjectId = "p-b" }, ct));

        var now = DateTimeOffset.UtcNow;
        var ledger = host.Ledger;
        await AppendAsync(ledger, Record("op-1", 1, CompanyA, "key-alpha-1", 600, now.AddDays(-2)));
        await AppendAsync(ledger, Record("op-retried", 2, CompanyA, "key-alpha-1", 400, now));
        await AppendAsync(ledger, Record("op-broken", 1, CompanyA, "key-alpha-2", 500, now) with
        {
            Outcome = UsageOutcome.Failure,
            FailureKind = InvoiceOcrErrorKind.OutputTruncated,
            FileName = "broken.pdf",
        });
        await AppendAsync(ledger, Record("op-beta", 1, CompanyB, "key-beta-1", 700, now));

        // The lifetime budget is charged through the quota store, as a real call would.
        var reservation = await host.Services.GetRequiredService<IQuotaStore>().ReserveAsync(
            new QuotaReservationRequest("key-alpha-1", CompanyA, 1_000, TimeSpan.FromMinutes(5)), ct);
        Assert.NotNull(reservation.Reservation);
        Assert.NotNull(await host.Services.GetRequiredService<IQuotaStore>().SettleAsync(reservation.Reservation!.Id, 1_000, ct));

        var retries = host.Services.GetRequiredService<IRetryAttemptStore>();
        Assert.True(await retries.AppendAsync(new RetryAttemptRecord
        {
            OperationId = "op-retried",
            AttemptNumber = 1,
            CompanyId = CompanyA,
            KeyId = "key-alpha-1",
            ErrorKind = InvoiceOcrErrorKind.ServerError,
            HttpStatus = 500,
            Delay = TimeSpan.FromMilliseconds(250),
            Timestamp = now.AddSeconds(-1),
        }, ct));
    }

    private static UsageRecord Record(string operationId, int attempt, string company, string keyId, long tokens, DateTimeOffset at) => new()
    {
        Id = UsageRecord.CreateId(operationId, attempt),
        OperationId = operationId,
        Attempt = attempt,
        CompanyId = company,
        KeyId = keyId,
        Model = "gemini-2.5-flash",
        InputTokens = tokens - 100,
        OutputTokens = 100,
        TotalTokens = tokens,
        StartedAt = at,
        CompletedAt = at,
    };

    private static async Task AppendAsync(IUsageLedger ledger, UsageRecord record) =>
        Assert.True(await ledger.AppendAsync(record, TestContext.Current.CancellationToken));
}
