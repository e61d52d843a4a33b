using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Samples.WebApi.Tests.Admin;

/// <summary>The admin API: credential checks, keys, status and limit changes, usage, errors and retries.</summary>
public sealed class AdminEndpointsTests
{
    private const string Company = "company-admin";
    private const string NewSecret = "test-key-admin-new-secret-0042";

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("test-admin-key-wrong-000000")]
    [InlineData("test-admin-key-012345678")]
    public async Task AdminApi_MissingOrWrongAdminKey_401Problem(string? adminKey)
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"admin/api/companies/{Company}/keys");
        if (adminKey is not null)
        {
            request.Headers.Add("X-Admin-Key", adminKey);
        }

        using var response = await host.Client.SendAsync(request, TestContext.Current.CancellationToken);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AdminApi_NoAdminKeyConfigured_RefusesEvenAnEmptyMatch()
    {
        await using var host = await WebApiHost.StartAsync(new Dictionary<string, string?> { ["Admin:ApiKey"] = null });

        using var response = await host.Admin.PutAsJsonAsync("admin/api/keys/any/status", new { status = "Disabled" }, TestContext.Current.CancellationToken);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task AddKey_NewKey_201WithTheSecretMaskedAndStoredSealedButUsable()
    {
        await using var host = await WebApiHost.StartAsync();

        using var response = await host.Admin.PostAsJsonAsync(
            $"admin/api/companies/{Company}/keys",
            new { id = "key-new", secret = NewSecret, projectId = "project-z", lifetimeTokenLimit = 1000, rates = new { requestsPerMinute = 5 } },
            TestContext.Current.CancellationToken);

        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        Assert.DoesNotContain(NewSecret, body, StringComparison.Ordinal);
        var key = JsonDocument.Parse(body).RootElement;
        Assert.Equal("test\u20260042", key.GetProperty("maskedSecret").GetString());
        Assert.Equal("Active", key.GetProperty("status").GetString());
        Assert.Equal(1000, key.GetProperty("remainingTokens").GetInt64());
        Assert.Equal(5, key.GetProperty("rates").GetProperty("requestsPerMinute").GetInt32());
        Assert.False(key.TryGetProperty("secret", out _));

        var stored = await host.Keys.GetAsync("key-new", TestContext.Current.CancellationToken);
        Assert.Equal(NewSecret, stored!.Secret);
        var raw = await File.ReadAllBytesAsync(host.DatabasePath, TestContext.Current.CancellationToken);
        Assert.DoesNotContain(NewSecret, System.Text.Encoding.UTF8.GetString(raw), StringComparison.Ordinal);

        using var listed = await host.Admin.GetAsync($"admin/api/companies/{Company}/keys", TestContext.Current.CancellationToken);
        var listBody = await listed.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.DoesNotContain(NewSecret, listBody, StringComparison.Ordinal);
        Assert.Equal("key-new", JsonDocument.Parse(listBody).RootElement.EnumerateArray().Single().GetProperty("id").GetString());
    }

    [Fact]
    public async Task AddKey_DuplicateId_409AndMissingSecret_400()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);

        using var duplicate = await host.Admin.PostAsJsonAsync(
            $"admin/api/companies/{Company}/keys", new { id = WebApiHost.GoodKeyId, secret = NewSecret, projectId = "p" }, TestContext.Current.CancellationToken);
        using var noSecret = await host.Admin.PostAsJsonAsync(
            $"admin/api/companies/{Company}/keys", new { id = "key-x", projectId = "p" }, TestContext.Current.CancellationToken);

        await ProblemAssert.IsProblemAsync(duplicate, HttpStatusCode.Conflict);
        var problem = await ProblemAssert.IsProblemAsync(noSecret, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("Secret", out _));
    }

    [Fact]
    public async Task ChangeStatus_DisableThenExtract_StoreHasTheStatusAndExtractionGets403()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);

        using var response = await host.Admin.PutAsJsonAsync(
            $"admin/api/keys/{WebApiHost.GoodKeyId}/status", new { status = "Disabled", reason = "customer left" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var stored = await host.Keys.GetAsync(WebApiHost.GoodKeyId, TestContext.Current.CancellationToken);
        Assert.Equal(ApiKeyStatus.Disabled, stored!.Status);
        Assert.Equal("customer left", stored.StatusReason);
        using var extract = await (await host.TenantAsync(Company)).PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice("zugferd/EN16931_Einfach.pdf"), "i.pdf", Company), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Forbidden, extract.StatusCode);
    }

    [Fact]
    public async Task ChangeStatus_StaleExpectedStatus_409AndUnknownKey_404()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);

        using var stale = await host.Admin.PutAsJsonAsync(
            $"admin/api/keys/{WebApiHost.GoodKeyId}/status", new { status = "Disabled", expectedStatus = "Expired" }, TestContext.Current.CancellationToken);
        using var unknown = await host.Admin.PutAsJsonAsync("admin/api/keys/key-nope/status", new { status = "Disabled" }, TestContext.Current.CancellationToken);

        await ProblemAssert.IsProblemAsync(stale, HttpStatusCode.Conflict);
        await ProblemAssert.IsProblemAsync(unknown, HttpStatusCode.NotFound);
        Assert.Equal(ApiKeyStatus.Active, (await host.Keys.GetAsync(WebApiHost.GoodKeyId, TestContext.Current.CancellationToken))!.Status);
    }

    [Fact]
    public async Task ChangeLimits_NewBudgetAndRates_StoredAndNegativeRejected()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);

        using var response = await host.Admin.PutAsJsonAsync(
            $"admin/api/keys/{WebApiHost.GoodKeyId}/limits",
            new { lifetimeTokenLimit = 5000, weight = 3, rates = new { requestsPerDay = 100, tokensPerMinute = 20000 } },
            TestContext.Current.CancellationToken);
        using var negative = await host.Admin.PutAsJsonAsync(
            $"admin/api/keys/{WebApiHost.GoodKeyId}/limits", new { lifetimeTokenLimit = -1 }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await ProblemAssert.IsProblemAsync(negative, HttpStatusCode.BadRequest);
        var stored = await host.Keys.GetAsync(WebApiHost.GoodKeyId, TestContext.Current.CancellationToken);
        Assert.Equal(5000, stored!.LifetimeTokenLimit);
        Assert.Equal(3, stored.Weight);
        Assert.Equal(100, stored.Rates.RequestsPerDay);
        Assert.Equal(20000, stored.Rates.TokensPerMinute);
    }

    [Fact]
    public async Task Usage_AfterExtractions_SummarizedByBranchUserAndDay()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);
        var file = SharedData.ReadInvoice("zugferd/EN16931_Einfach.pdf");
        foreach (var (user, branch) in new[] { ("alice", "Berlin"), ("bob", "Berlin"), ("alice", "Hamburg") })
        {
            using var extract = await (await host.TenantAsync(Company)).PostAsync("extract", WebApiHost.Form(file, "i.pdf", Company, user, branch), TestContext.Current.CancellationToken);
            Assert.Equal(HttpStatusCode.OK, extract.StatusCode);
        }

        var byBranch = await host.Admin.GetFromJsonAsync<JsonElement>($"admin/api/companies/{Company}/usage?groupBy=branch", TestContext.Current.CancellationToken);
        var byUserAndDay = await host.Admin.GetFromJsonAsync<JsonElement>($"admin/api/companies/{Company}/usage?groupBy=user,day", TestContext.Current.CancellationToken);
        using var badGrouping = await host.Admin.GetAsync($"admin/api/companies/{Company}/usage?groupBy=planet", TestContext.Current.CancellationToken);

        var billed = host.Emulator.Ledger.Entries.Sum(e => (long)e.TotalTokenCount);
        var branches = byBranch.EnumerateArray().ToDictionary(s => s.GetProperty("branch").GetString()!, s => s.GetProperty("requestCount").GetInt64());
        Assert.Equal(2, branches["Berlin"]);
        Assert.Equal(1, branches["Hamburg"]);
        Assert.Equal(billed, byBranch.EnumerateArray().Sum(s => s.GetProperty("totalTokens").GetInt64()));
        var users = byUserAndDay.EnumerateArray().ToList();
        Assert.Equal(2, users.Single(s => s.GetProperty("userId").GetString() == "alice").GetProperty("requestCount").GetInt64());
        Assert.All(users, s => Assert.Equal(DateOnly.FromDateTime(DateTime.UtcNow), DateOnly.Parse(s.GetProperty("day").GetString()!, System.Globalization.CultureInfo.InvariantCulture)));
        await ProblemAssert.IsProblemAsync(badGrouping, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task ErrorsAndRetries_AfterFailedAndRetriedCalls_ListedFromTheStore()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);
        var file = SharedData.ReadInvoice("zugferd/EN16931_Einfach.pdf");

        // One call retried after a 500 and then successful; one call whose billed answer was cut off.
        host.Emulator.InjectFault(InvoiceOcr.Emulator.EmulatorFaultKind.Internal, count: 1);
        using var retried = await (await host.TenantAsync(Company)).PostAsync("extract", WebApiHost.Form(file, "retried.pdf", Company), TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        var retriedOperation = (await retried.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("operationId").GetString();
        host.Emulator.InjectFault(InvoiceOcr.Emulator.EmulatorFaultKind.MaxTokens, count: 1);
        using var truncated = await (await host.TenantAsync(Company)).PostAsync("extract", WebApiHost.Form(file, "truncated.pdf", Company, "carol", "Munich"), TestContext.Current.CancellationToken);
        var truncatedProblem = await ProblemAssert.IsProblemAsync(truncated, HttpStatusCode.BadGateway);
        Assert.Equal("OutputTruncated", ProblemAssert.Kind(truncatedProblem));

        var errors = await host.Admin.GetFromJsonAsync<JsonElement>($"admin/api/companies/{Company}/errors", TestContext.Current.CancellationToken);
        var retries = await host.Admin.GetFromJsonAsync<JsonElement>($"admin/api/companies/{Company}/retries", TestContext.Current.CancellationToken);

        var error = Assert.Single(errors.EnumerateArray());
        Assert.Equal("call", error.GetProperty("source").GetString());
        Assert.Equal("OutputTruncated", error.GetProperty("kind").GetString());
        Assert.Equal("carol", error.GetProperty("userId").GetString());
        Assert.Equal("truncated.pdf", error.GetProperty("detail").GetString());
        Assert.True(error.GetProperty("totalTokens").GetInt64() > 0);
        var retry = Assert.Single(retries.EnumerateArray());
        Assert.Equal(retriedOperation, retry.GetProperty("operationId").GetString());
        Assert.Equal("ServerError", retry.GetProperty("errorKind").GetString());
        Assert.Equal(500, retry.GetProperty("httpStatus").GetInt32());
        Assert.True(retry.GetProperty("operationSucceeded").GetBoolean());
    }
}
