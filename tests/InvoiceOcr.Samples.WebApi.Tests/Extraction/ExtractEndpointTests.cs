using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using InvoiceOcr.Emulator;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Samples.WebApi.Tests.Extraction;

/// <summary><c>POST /extract</c> on the real app (Kestrel, SQLite) against the Gemini emulator, called as a tenant.</summary>
public sealed class ExtractEndpointTests
{
    private const string Company = "company-web";
    private const string OtherCompany = "company-other";
    private const string EInvoice = "zugferd/EN16931_Einfach.pdf";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Extract_SeedsCurlWithACredential_ReturnsTheInvoiceRecordsUserAndBranchAndNamesNoKey()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);

        // The seed's form: file, companyID, username, branch (companyID names the credential's own company).
        using var response = await tenant.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "EN16931_Einfach.pdf", Company), Ct);

        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var json = JsonDocument.Parse(body).RootElement;
        var invoice = json.GetProperty("invoice");
        Assert.Equal("471102", invoice.GetProperty("invoiceId").GetString());
        Assert.Equal(529.87m, invoice.GetProperty("total").GetDecimal());
        Assert.Equal("EUR", invoice.GetProperty("currency").GetString());
        Assert.False(json.TryGetProperty("keyId", out _));
        Assert.DoesNotContain(WebApiHost.GoodKeyId, body, StringComparison.Ordinal);
        Assert.Equal(1, json.GetProperty("attempts").GetInt32());

        var billed = Assert.Single(host.Emulator.Ledger.Entries);
        Assert.Equal(billed.TotalTokenCount, json.GetProperty("usage").GetProperty("totalTokens").GetInt32());
        var recorded = Assert.Single(await host.Ledger.ListAsync(new UsageQuery(Company), Ct));
        Assert.Equal(json.GetProperty("operationId").GetString(), recorded.OperationId);
        Assert.Equal("alice", recorded.UserId);
        Assert.Equal("Berlin", recorded.Branch);
        Assert.DoesNotContain(WebApiHost.GoodSecret, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_WithoutCompanyField_BillsTheCredentialsCompany()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);

        using var response = await tenant.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "i.pdf", companyId: null), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Single(await host.Ledger.ListAsync(new UsageQuery(Company), Ct));
    }

    [Fact]
    public async Task Extract_NoCredential_401WithWwwAuthenticateAndNothingBilled()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);

        // The attack of issue 14: no credential, someone else's companyID.
        using var response = await host.Client.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "x.pdf", Company), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Empty(host.Emulator.Ledger.Entries);
        Assert.Equal(0, (await host.Keys.GetAsync(WebApiHost.GoodKeyId, Ct))!.TokensUsed);
    }

    [Theory]
    [InlineData("ioc_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("not-a-credential")]
    public async Task Extract_UnknownCredential_401(string token)
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);

        using var response = await host.TenantClient(token).PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "x.pdf", Company), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Empty(host.Emulator.Ledger.Entries);
    }

    [Fact]
    public async Task Extract_RevokedCredential_401()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);
        var issued = await host.Tenants.IssueAsync(Company, "to revoke", Ct);
        Assert.True(await host.Tenants.RevokeAsync(issued.Credential.Id, Ct));

        using var response = await host.TenantClient(issued.Token).PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "x.pdf", Company), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Extract_TenantANamesCompanyB_403AndBsUsageUnchanged()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);
        await host.AddKeyAsync(OtherCompany, id: "key-other");
        var tenantA = await host.TenantAsync(Company);

        using var response = await tenantA.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "x.pdf", OtherCompany), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal("CompanyMismatch", ProblemAssert.Kind(problem));
        var keyOfB = await host.Keys.GetAsync("key-other", Ct);
        Assert.Equal(0, keyOfB!.TokensUsed);
        Assert.Equal(0, keyOfB.TokensReserved);
        Assert.Empty(await host.Ledger.ListAsync(new UsageQuery(OtherCompany), Ct));
        Assert.Empty(await host.Ledger.ListAsync(new UsageQuery(Company), Ct));
        Assert.Empty(host.Emulator.Ledger.Entries);
    }

    [Fact]
    public async Task Extract_FloodFromTenantA_NeverRateLimitsTenantB()
    {
        await using var host = await WebApiHost.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimiting:PermitLimit"] = "2",
            ["RateLimiting:Window"] = "01:00:00",
        });
        await host.AddKeyAsync(Company);
        await host.AddKeyAsync(OtherCompany, id: "key-other");
        var tenantA = await host.TenantAsync(Company);
        var tenantB = await host.TenantAsync(OtherCompany);
        var junk = "%PDF-1.4 junk"u8.ToArray();

        // A floods, half the time naming B in the form (the partition attack of issue 14).
        var floodStatuses = new List<HttpStatusCode>();
        for (var i = 0; i < 8; i++)
        {
            using var flood = await tenantA.PostAsync("extract", WebApiHost.Form(junk, "junk.pdf", i % 2 == 0 ? OtherCompany : null), Ct);
            floodStatuses.Add(flood.StatusCode);
        }

        using var b1 = await tenantB.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "b1.pdf", OtherCompany), Ct);
        using var b2 = await tenantB.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "b2.pdf", null), Ct);

        Assert.Equal(6, floodStatuses.Count(s => s == HttpStatusCode.TooManyRequests));
        Assert.Equal(HttpStatusCode.OK, b1.StatusCode);
        Assert.Equal(HttpStatusCode.OK, b2.StatusCode);
    }

    [Fact]
    public async Task Extract_TenantOverItsRequestLimit_429WithRetryAfterAndCountedAsARefusal()
    {
        await using var host = await WebApiHost.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimiting:PermitLimit"] = "1",
            ["RateLimiting:Window"] = "01:00:00",
        });
        var tenant = await host.TenantAsync("company-busy");
        var file = SharedData.ReadInvoice(EInvoice);

        using var first = await tenant.PostAsync("extract", WebApiHost.Form(file, "a.pdf", null), Ct);
        using var second = await tenant.PostAsync("extract", WebApiHost.Form(file, "b.pdf", null), Ct);

        Assert.Equal(HttpStatusCode.Forbidden, first.StatusCode); // Through the limiter; the company simply has no keys.
        var problem = await ProblemAssert.IsProblemAsync(second, HttpStatusCode.TooManyRequests);
        Assert.Equal("RateLimited", ProblemAssert.Kind(problem));
        var retryAfter = int.Parse(Assert.Single(second.Headers.GetValues("Retry-After")), CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 3600);

        var refusals = await host.Admin.GetFromJsonAsync<JsonElement>("admin/api/companies/company-busy/refusals", Ct);
        var kinds = refusals.EnumerateArray().ToDictionary(r => r.GetProperty("kind").GetString()!, r => r.GetProperty("count").GetInt64());
        Assert.Equal(1, kinds["RateLimited"]);
        Assert.Equal(1, kinds["NoKeyAvailable"]);
    }

    [Fact]
    public async Task Extract_UnauthenticatedFloodFromOneAddress_LimitedBeforeItCostsA401()
    {
        await using var host = await WebApiHost.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimiting:PermitLimit"] = "2",
            ["RateLimiting:Window"] = "01:00:00",
        });
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);
        var file = SharedData.ReadInvoice(EInvoice);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 3; i++)
        {
            using var anonymous = await host.Client.PostAsync("extract", WebApiHost.Form(file, "x.pdf", Company), Ct);
            statuses.Add(anonymous.StatusCode);
        }

        using var real = await tenant.PostAsync("extract", WebApiHost.Form(file, "x.pdf", Company), Ct);

        Assert.Equal([HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal(HttpStatusCode.OK, real.StatusCode); // Same address, but a tenant has its own partition.
    }

    [Fact]
    public async Task Extract_AllConcurrencySlotsTaken_503ServerBusyWithRetryAfterForAnyTenant()
    {
        await using var host = await WebApiHost.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimiting:MaxConcurrentExtractions"] = "1",
            ["RateLimiting:ConcurrencyQueueLimit"] = "0",
        });
        await host.AddKeyAsync(Company);
        await host.AddKeyAsync(OtherCompany, id: "key-other");
        var tokenA = (await host.Tenants.IssueAsync(Company, "slow", Ct)).Token;
        var tenantB = await host.TenantAsync(OtherCompany);

        // Tenant A's upload stalls mid-body and holds the only slot; tenant B is refused until it is freed. A's stalled
        // upload can lose the race for the slot to B's first request (then A is refused and gone) or be cut by Kestrel's
        // minimum body data rate on a slow machine, so a round that never sees B refused starts a fresh stalled upload.
        HttpResponseMessage? busy = null;
        for (var round = 0; round < 10 && busy is null; round++)
        {
            using (await RawHttp.StartHangingRequestAsync(host.BaseAddress, "/extract", tokenA))
            {
                for (var i = 0; i < 10 && busy is null; i++)
                {
                    var response = await tenantB.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "b.pdf", null), Ct);
                    if (response.StatusCode == HttpStatusCode.ServiceUnavailable)
                    {
                        busy = response;
                    }
                    else
                    {
                        response.Dispose();
                        await Task.Delay(100, Ct); // The stalled request has not reached the limiter yet.
                    }
                }
            }
        }

        Assert.NotNull(busy);
        using (busy)
        {
            var problem = await ProblemAssert.IsProblemAsync(busy, HttpStatusCode.ServiceUnavailable);
            Assert.Equal("ServerBusy", ProblemAssert.Kind(problem));
            Assert.Equal("1", Assert.Single(busy.Headers.GetValues("Retry-After")));
        }

        // The stalled connection is gone: its slot is free again.
        HttpStatusCode status = default;
        for (var i = 0; i < 50 && status != HttpStatusCode.OK; i++)
        {
            using var after = await tenantB.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "b.pdf", null), Ct);
            status = after.StatusCode;
            if (status != HttpStatusCode.OK)
            {
                await Task.Delay(100, Ct);
            }
        }

        Assert.Equal(HttpStatusCode.OK, status);
    }

    [Fact]
    public async Task Extract_DeclaredBodyOverTheLimit_413BeforeTheBodyIsRead()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);
        var token = (await host.Tenants.IssueAsync(Company, "raw", Ct)).Token;

        // 10 GB announced, not a byte of it sent: an answer proves the body was never waited for.
        var answer = await RawHttp.SendHeadersOnlyAsync(host.BaseAddress, "/extract", 10L * 1024 * 1024 * 1024, token, TimeSpan.FromSeconds(20));

        Assert.StartsWith("HTTP/1.1 413", answer, StringComparison.Ordinal);
        Assert.Contains("TooLarge", answer, StringComparison.Ordinal);
        Assert.Contains("Connection: close", answer, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Extract_NoCredentialAndALargeBody_401BeforeTheBodyIsRead()
    {
        await using var host = await WebApiHost.StartAsync();

        var answer = await RawHttp.SendHeadersOnlyAsync(host.BaseAddress, "/extract", 40L * 1024 * 1024, bearer: null, TimeSpan.FromSeconds(20));

        Assert.StartsWith("HTTP/1.1 401", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_CompanyWithoutKeys_403WithTheSeedMessageBeforeTheBodyIsRead()
    {
        await using var host = await WebApiHost.StartAsync();
        var token = (await host.Tenants.IssueAsync("company-without-keys", "raw", Ct)).Token;

        // Within the size limit, but never sent: the key check answers before any byte of the document is read or parsed.
        var answer = await RawHttp.SendHeadersOnlyAsync(host.BaseAddress, "/extract", 1024 * 1024, token, TimeSpan.FromSeconds(20));

        Assert.StartsWith("HTTP/1.1 403", answer, StringComparison.Ordinal);
        Assert.Contains("No active token found for your company. Please contact support.", answer, StringComparison.Ordinal);
        Assert.Contains("NoKeyAvailable", answer, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_DamagedPdf_400ProblemWithKindInvalidDocumentAndNoModelCall()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);

        using var response = await tenant.PostAsync(
            "extract", WebApiHost.Form(SharedData.ReadInvoice("edge/corrupt-factur-x-waytoosmall.pdf"), "tiny.pdf", Company), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Equal("InvalidDocument", ProblemAssert.Kind(problem));
        Assert.Equal("Damaged", problem.GetProperty("reason").GetString());
        Assert.Contains("tiny.pdf", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Empty(host.Emulator.Ledger.Entries);
    }

    [Fact]
    public async Task Extract_TextFile_415ProblemWithKindInvalidDocument()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);

        using var response = await tenant.PostAsync(
            "extract", WebApiHost.Form("just some words, not an invoice"u8.ToArray(), "notes.txt", Company, contentType: "text/plain"), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("InvalidDocument", ProblemAssert.Kind(problem));
        Assert.Equal("UnsupportedType", problem.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Extract_FileOverTheSdkLimit_413ProblemWithReasonTooLarge()
    {
        await using var host = await WebApiHost.StartAsync(new Dictionary<string, string?> { ["InvoiceOcr:Documents:MaxFileBytes"] = "4096" });
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);
        var file = SharedData.ReadInvoice(EInvoice);
        Assert.True(file.Length > 4096 * 4, "The corpus file must be well over the configured limit.");

        using var response = await tenant.PostAsync("extract", WebApiHost.Form(file, "big.pdf", Company), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("InvalidDocument", ProblemAssert.Kind(problem));
        Assert.Equal("TooLarge", problem.GetProperty("reason").GetString());
        Assert.Empty(host.Emulator.Ledger.Entries);
    }

    [Fact]
    public async Task Extract_DisabledKey_403ProblemWithTheSeedMessage()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);
        Assert.True(await host.Keys.TryChangeStatusAsync(WebApiHost.GoodKeyId, null, ApiKeyStatus.Disabled, "test", Ct));

        using var response = await tenant.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "invoice.pdf", Company), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal("KeyDisabled", ProblemAssert.Kind(problem));
        Assert.Equal("Your AI token is no longer available or has been disabled. Please contact support.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Extract_ExpiredKey_403ProblemWithTheSeedMessage()
    {
        await using var host = await WebApiHost.StartAsync();
        Assert.True(await host.Keys.AddAsync(
            new ApiKey { Id = "key-old", CompanyId = Company, Secret = WebApiHost.GoodSecret, ProjectId = WebApiHost.Project, ExpiresAt = DateTimeOffset.UtcNow.AddDays(-1) }, Ct));
        var tenant = await host.TenantAsync(Company);

        using var response = await tenant.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "invoice.pdf", Company), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal("KeyExpired", ProblemAssert.Kind(problem));
        Assert.Equal("Your AI token has expired. Please renew your subscription.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Extract_KeyPerMinuteQuotaUsedUp_429ProblemWithRetryAfter()
    {
        await using var host = await WebApiHost.StartAsync();
        // One request per minute, already taken: the next fits once it leaves the sliding minute (a limit of 0 never fits,
        // which is a 403, not a 429).
        await host.AddKeyAsync(Company, rates: new QuotaLimits { RequestsPerMinute = 1 });
        var quotas = host.Services.GetRequiredService<IQuotaStore>();
        Assert.True((await quotas.ReserveAsync(new QuotaReservationRequest(WebApiHost.GoodKeyId, Company, 10, TimeSpan.FromMinutes(5)), Ct)).Reservation is not null);
        var tenant = await host.TenantAsync(Company);

        using var response = await tenant.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "invoice.pdf", Company), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests);
        Assert.Equal("LocalQuotaExceeded", ProblemAssert.Kind(problem));
        var seconds = int.Parse(Assert.Single(response.Headers.GetValues("Retry-After")), CultureInfo.InvariantCulture);
        Assert.InRange(seconds, 1, 60);
        Assert.Equal(seconds, problem.GetProperty("retryAfterSeconds").GetInt32());
        Assert.Empty(host.Emulator.Ledger.Entries);
    }

    [Fact]
    public async Task Extract_LifetimeBudgetTooSmall_403WithoutRetryAfterBecauseWaitingDoesNotHelp()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company, lifetimeLimit: 100);
        var tenant = await host.TenantAsync(Company);

        using var response = await tenant.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "invoice.pdf", Company), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal("LocalQuotaExceeded", ProblemAssert.Kind(problem));
        Assert.False(response.Headers.Contains("Retry-After"));
        Assert.False(problem.TryGetProperty("retryAfterSeconds", out _));
        Assert.Equal("Your AI token does not have enough tokens left for this document. Please contact support.", problem.GetProperty("detail").GetString());
        Assert.Empty(host.Emulator.Ledger.Entries);
    }

    [Fact]
    public async Task Extract_AnswerCutOffAtTheOutputLimit_502WithoutInternalWording()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);
        host.Emulator.InjectFault(EmulatorFaultKind.MaxTokens, count: 1);

        using var response = await tenant.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "invoice.pdf", Company), Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway);
        Assert.Equal("OutputTruncated", ProblemAssert.Kind(problem));
        AssertNoInternalWording(problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Extract_ServerErrorsUntilTheCircuitOpens_502sWithoutKeyIdsOrCircuitsAndTheRefusalCounted()
    {
        await using var host = await WebApiHost.StartAsync(new Dictionary<string, string?>
        {
            ["InvoiceOcr:Retry:MaxRetryAttempts"] = "1",
            ["InvoiceOcr:Retry:CircuitBreakerMinimumThroughput"] = "2",
        });
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);
        host.Emulator.InjectFault(EmulatorFaultKind.Internal, count: 100);

        var details = new List<string?>();
        for (var i = 0; i < 3; i++)
        {
            using var response = await tenant.PostAsync("extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "invoice.pdf", Company), Ct);
            Assert.NotEqual(HttpStatusCode.OK, response.StatusCode);
            var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Ct)).RootElement;
            details.Add(problem.GetProperty("detail").GetString());
            Assert.DoesNotContain(WebApiHost.GoodSecret, problem.GetRawText(), StringComparison.Ordinal);
        }

        Assert.All(details, AssertNoInternalWording);
        var refusals = await host.Admin.GetFromJsonAsync<JsonElement>($"admin/api/companies/{Company}/refusals", Ct);
        Assert.Contains(refusals.EnumerateArray(), r => r.GetProperty("kind").GetString() == "CircuitOpen");
    }

    [Fact]
    public async Task Extract_MissingFile_400ValidationProblemNamingTheField()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);
        using var form = new MultipartFormDataContent { { new StringContent("alice"), "username" } };

        using var response = await tenant.PostAsync("extract", form, Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("file", out _));
    }

    [Fact]
    public async Task Extract_JsonBody_415Problem()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);

        using var response = await tenant.PostAsync("extract", new StringContent("{\"companyID\":\"x\"}", System.Text.Encoding.UTF8, "application/json"), Ct);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Extract_TooManyFormFields_400ProblemNotMistakenForAFileSizeError()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);
        using var form = WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "invoice.pdf", Company);
        for (var i = 0; i < 20; i++)
        {
            form.Add(new StringContent("x"), "extra" + i.ToString(CultureInfo.InvariantCulture));
        }

        using var response = await tenant.PostAsync("extract", form, Ct);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Null(ProblemAssert.Kind(problem));
        Assert.Contains("form", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }

    private static void AssertNoInternalWording(string? detail)
    {
        Assert.False(string.IsNullOrWhiteSpace(detail));
        foreach (var word in new[] { WebApiHost.GoodKeyId, "circuit", "MaxOutputTokens", "Gemini:", "finishReason", "key " })
        {
            Assert.DoesNotContain(word, detail, StringComparison.OrdinalIgnoreCase);
        }
    }
}
