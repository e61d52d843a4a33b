using InvoiceOcr.Samples.WebApi.Refusals;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace InvoiceOcr.Samples.WebApi.Tests.Admin;

/// <summary>
/// The admin dashboard in real headless Chromium (Debian's <c>/usr/bin/chromium</c>, driven by Microsoft.Playwright;
/// no browser is ever downloaded), against the real app and its SQLite stores. Set <c>INVOICEOCR_SCREENSHOTS</c> to a
/// folder to save the screenshots linked from the README (<c>docs/images/dashboard-*.png</c>).
/// </summary>
public sealed partial class DashboardBrowserTests
{
    private const string ChromiumPath = "/usr/bin/chromium";
    private const string CompanyA = "company-alpha";
    private const string CompanyB = "company-beta";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SignIn_WrongKeyThenRightKey_SaysWhatIsWrongInPlainWordsThenListsTheCompanies()
    {
        await using var host = await WebApiHost.StartAsync();
        await SeedAsync(host);
        await using var browser = await DashboardBrowser.OpenAsync(host);
        var page = browser.Page;

        await page.GetByLabel("Admin key").FillAsync("test-admin-key-wrong-000000000000000000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("That admin key is not right. Check it for typos, or ask whoever runs this server for the current one.");
        await Assertions.Expect(page.Locator("#status")).Not.ToContainTextAsync("X-Admin-Key");
        await Assertions.Expect(page.Locator("#app")).ToBeHiddenAsync();

        await page.GetByLabel("Admin key").FillAsync(WebApiHost.AdminKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        // The companies come from the server (tenant credentials): nothing typed in.
        await Assertions.Expect(page.Locator("#companies button")).ToHaveTextAsync([CompanyA, CompanyB]);
        await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Showing " + CompanyA);
        await Assertions.Expect(page.Locator("#keys tr[data-key-id='key-alpha-1']")).ToContainTextAsync("99,000"); // 100,000 - 1,000 used
        Assert.DoesNotContain("test-key-alpha-secret-0001", await page.ContentAsync(), StringComparison.Ordinal);
        await Assertions.Expect(page.Locator("#limits")).ToBeHiddenAsync();
        await browser.ScreenshotAsync("dashboard-overview.png", fullPage: true);

        await page.Locator("#companies button[data-company='company-beta']").ClickAsync();
        await Assertions.Expect(page.Locator("#keys tbody tr")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#keys tr[data-key-id='key-beta-1']")).ToBeVisibleAsync();
        browser.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Keys_AddAKeyEditItsLimitsAndChangeAStatus_ReachTheStore()
    {
        await using var host = await WebApiHost.StartAsync();
        await SeedAsync(host);
        await using var browser = await DashboardBrowser.OpenAsync(host);
        var page = browser.Page;
        await browser.SignInAsync();

        // Add a key.
        await page.Locator("#add-key-panel summary").ClickAsync();
        var add = page.Locator("#add-key");
        await add.GetByLabel("Key id").FillAsync("key-alpha-new");
        await add.GetByLabel("Secret").FillAsync("test-key-alpha-secret-0099");
        await add.GetByLabel("Google Cloud project").FillAsync("p-new");
        await add.GetByLabel("Lifetime token limit").FillAsync("50000");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add key" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Added key key-alpha-new (test\u20260099).");
        await Assertions.Expect(page.Locator("#keys tr[data-key-id='key-alpha-new']")).ToContainTextAsync("50,000");
        var added = await host.Keys.GetAsync("key-alpha-new", Ct);
        Assert.Equal(CompanyA, added!.CompanyId);
        Assert.Equal("test-key-alpha-secret-0099", added.Secret);
        Assert.Equal(50_000, added.LifetimeTokenLimit);

        // Edit its limits.
        await page.GetByRole(AriaRole.Button, new() { Name = "Edit limits of key-alpha-new" }).ClickAsync();
        var limits = page.Locator("#limits");
        await limits.GetByLabel("Lifetime token limit").FillAsync("75000");
        await limits.GetByLabel("Requests / minute").FillAsync("12");
        await limits.GetByLabel("Tokens / day").FillAsync("900000");
        await limits.GetByLabel("Weight").FillAsync("3");
        await browser.ScreenshotAsync("dashboard-keys.png", fullPage: false);
        await page.GetByRole(AriaRole.Button, new() { Name = "Save limits" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Saved the limits of key key-alpha-new.");
        await Assertions.Expect(page.Locator("#keys tr[data-key-id='key-alpha-new']")).ToContainTextAsync("12 req/min");
        var edited = await host.Keys.GetAsync("key-alpha-new", Ct);
        Assert.Equal(75_000, edited!.LifetimeTokenLimit);
        Assert.Equal(12, edited.Rates.RequestsPerMinute);
        Assert.Equal(900_000, edited.Rates.TokensPerDay);
        Assert.Null(edited.Rates.RequestsPerDay);
        Assert.Equal(3, edited.Weight);

        // Change a status.
        await page.GetByLabel("New status of key-alpha-1").SelectOptionAsync("Disabled");
        await page.GetByRole(AriaRole.Button, new() { Name = "Apply status to key-alpha-1" }).ClickAsync();
        await Assertions.Expect(page.Locator("#status")).ToHaveTextAsync("Key key-alpha-1 is now Disabled.");
        Assert.Equal(ApiKeyStatus.Disabled, (await host.Keys.GetAsync("key-alpha-1", Ct))!.Status);
        Assert.DoesNotContain("test-key-alpha-secret-0099", await page.ContentAsync(), StringComparison.Ordinal);
        browser.AssertNoConsoleErrors();
    }

    [Fact]
    public async Task Usage_ByBranchAndUserRefusalsLatencyAndOneDayChart_Shown()
    {
        await using var host = await WebApiHost.StartAsync(new Dictionary<string, string?> { ["Admin:LookbackDays"] = "7" });
        await SeedAsync(host);
        await using var browser = await DashboardBrowser.OpenAsync(host);
        var page = browser.Page;
        await browser.SignInAsync();

        // Usage by branch and user.
        var berlinAlice = page.Locator("#usage-by tr[data-branch='Berlin'][data-user='alice']");
        await Assertions.Expect(berlinAlice).ToContainTextAsync("1,000"); // 600 + 400
        await Assertions.Expect(page.Locator("#usage-by tr[data-branch='Paris'][data-user='bob']")).ToContainTextAsync("500");
        await Assertions.Expect(page.Locator("#usage-by tbody tr")).ToHaveCountAsync(2);

        // All of alpha's usage is today: one bar, no line, no ramp from zero.
        await Assertions.Expect(page.Locator("#usage-chart rect.bar")).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#usage-chart polyline")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("#usage-caption")).ToContainTextAsync("1,500 tokens on 1 day");

        // Latency from the ledger's start and end times: 1, 2 and 3 seconds.
        await Assertions.Expect(page.Locator("#latency dd[data-field='calls']")).ToHaveTextAsync("3");
        await Assertions.Expect(page.Locator("#latency dd[data-field='medianMs']")).ToHaveTextAsync("2,000 ms");
        await Assertions.Expect(page.Locator("#latency dd[data-field='maxMs']")).ToHaveTextAsync("3,000 ms");

        // Refused requests: the sample's own counts.
        await Assertions.Expect(page.Locator("#refusals tr[data-kind='RateLimited']")).ToContainTextAsync("429");
        await Assertions.Expect(page.Locator("#refusals tr[data-kind='RateLimited'] td.num")).ToHaveTextAsync("2");
        await Assertions.Expect(page.Locator("#refusals tr[data-kind='NoKeyAvailable']")).ToContainTextAsync("no key");
        await Assertions.Expect(page.Locator("#refusals tr[data-kind='CircuitOpen']")).ToContainTextAsync("circuit open");
        await Assertions.Expect(page.Locator("#errors tbody")).ToContainTextAsync("OutputTruncated");
        await Assertions.Expect(page.Locator("#retries tbody")).ToContainTextAsync("op-retried");

        // Beta has usage on two days three days apart: two bars, still no line.
        await page.Locator("#companies button[data-company='company-beta']").ClickAsync();
        await Assertions.Expect(page.Locator("#usage-chart rect.bar")).ToHaveCountAsync(2);
        await Assertions.Expect(page.Locator("#usage-chart polyline")).ToHaveCountAsync(0);
        await browser.ScreenshotAsync("dashboard-usage.png", fullPage: true);
        browser.AssertNoConsoleErrors();
    }

    private static async Task SeedAsync(WebApiHost host)
    {
        var keys = host.Keys;
        Assert.True(await keys.AddAsync(new ApiKey { Id = "key-alpha-1", CompanyId = CompanyA, Secret = "test-key-alpha-secret-0001", ProjectId = "p-a", LifetimeTokenLimit = 100_000 }, Ct));
        Assert.True(await keys.AddAsync(new ApiKey { Id = "key-alpha-2", CompanyId = CompanyA, Secret = "test-key-alpha-secret-0002", ProjectId = "p-a" }, Ct));
        Assert.True(await keys.AddAsync(new ApiKey { Id = "key-beta-1", CompanyId = CompanyB, Secret = "test-key-beta-secret-0003", ProjectId = "p-b" }, Ct));
        await host.Tenants.IssueAsync(CompanyA, "erp", Ct);
        await host.Tenants.IssueAsync(CompanyB, "erp", Ct);

        var now = DateTimeOffset.UtcNow;
        var ledger = host.Ledger;
        await AppendAsync(ledger, Record("op-1", 1, CompanyA, "key-alpha-1", 600, now, 1, "Berlin", "alice"));
        await AppendAsync(ledger, Record("op-retried", 2, CompanyA, "key-alpha-1", 400, now, 2, "Berlin", "alice"));
        await AppendAsync(ledger, Record("op-broken", 1, CompanyA, "key-alpha-2", 500, now, 3, "Paris", "bob") with
        {
            Outcome = UsageOutcome.Failure,
            FailureKind = InvoiceOcrErrorKind.OutputTruncated,
            FileName = "broken.pdf",
        });
        await AppendAsync(ledger, Record("op-beta-1", 1, CompanyB, "key-beta-1", 700, now, 1, "Lyon", "eve"));
        await AppendAsync(ledger, Record("op-beta-2", 1, CompanyB, "key-beta-1", 300, now.AddDays(-3), 1, "Lyon", "eve"));

        // The lifetime budget is charged through the quota store, as a real call would.
        var quotas = host.Services.GetRequiredService<IQuotaStore>();
        var reservation = await quotas.ReserveAsync(new QuotaReservationRequest("key-alpha-1", CompanyA, 1_000, TimeSpan.FromMinutes(5)), Ct);
        Assert.NotNull(await quotas.SettleAsync(reservation.Reservation!.Id, 1_000, Ct));

        Assert.True(await host.Services.GetRequiredService<IRetryAttemptStore>().AppendAsync(new RetryAttemptRecord
        {
            OperationId = "op-retried",
            AttemptNumber = 1,
            CompanyId = CompanyA,
            KeyId = "key-alpha-1",
            ErrorKind = InvoiceOcrErrorKind.ServerError,
            HttpStatus = 500,
            Delay = TimeSpan.FromMilliseconds(250),
            Timestamp = now.AddSeconds(-1),
        }, Ct));

        var refusals = host.Services.GetRequiredService<IRefusalLog>();
        await refusals.RecordAsync(CompanyA, "RateLimited", 429, Ct);
        await refusals.RecordAsync(CompanyA, "RateLimited", 429, Ct);
        await refusals.RecordAsync(CompanyA, "NoKeyAvailable", 403, Ct);
        await refusals.RecordAsync(CompanyA, "CircuitOpen", 502, Ct);
    }

    private static UsageRecord Record(string operationId, int attempt, string company, string keyId, long tokens, DateTimeOffset at, int seconds, string branch, string user) => new()
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
        Branch = branch,
        UserId = user,
        StartedAt = at.AddSeconds(-seconds),
        CompletedAt = at,
    };

    private static async Task AppendAsync(IUsageLedger ledger, UsageRecord record) => Assert.True(await ledger.AppendAsync(record, Ct));

    /// <summary>Headless Chromium on the dashboard, collecting console errors.</summary>
    private sealed class DashboardBrowser : IAsyncDisposable
    {
        private readonly IPlaywright _playwright;
        private readonly IBrowser _browser;
        private readonly List<string> _consoleErrors = [];

        private DashboardBrowser(IPlaywright playwright, IBrowser browser, IPage page)
        {
            _playwright = playwright;
            _browser = browser;
            Page = page;
            page.Console += (_, message) =>
            {
                // The wrong-key step answers 401 on purpose; the browser logs that fetch as a console error.
                if (message.Type == "error" && !message.Text.Contains("401", StringComparison.Ordinal))
                {
                    _consoleErrors.Add(message.Text + " at " + message.Location);
                }
            };
        }

        public IPage Page { get; }

        public static async Task<DashboardBrowser> OpenAsync(WebApiHost host)
        {
            Assert.True(
                File.Exists(ChromiumPath),
                $"{ChromiumPath} is missing. Install Debian's chromium ('bash eng/prerequisites/chromium.sh' as root, which ./test.sh runs first); this test never downloads a browser.");
            var playwright = await Playwright.CreateAsync();
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
            });
            var page = await browser.NewPageAsync(new BrowserNewPageOptions { BaseURL = host.BaseAddress.ToString(), ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
            await page.GotoAsync("admin/");
            return new DashboardBrowser(playwright, browser, page);
        }

        public async Task SignInAsync()
        {
            await Page.GetByLabel("Admin key").FillAsync(WebApiHost.AdminKey);
            await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
            await Assertions.Expect(Page.Locator("#status")).ToContainTextAsync("Showing " + CompanyA);
        }

        public async Task ScreenshotAsync(string name, bool fullPage)
        {
            if (Environment.GetEnvironmentVariable("INVOICEOCR_SCREENSHOTS") is { Length: > 0 } folder)
            {
                Directory.CreateDirectory(folder);
                await Page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name), FullPage = fullPage });
            }
        }

        public void AssertNoConsoleErrors() => Assert.Empty(_consoleErrors);

        public async ValueTask DisposeAsync()
        {
            await _browser.DisposeAsync();
            _playwright.Dispose();
        }
    }
}
