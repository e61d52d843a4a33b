using System.Net;
using System.Text.Json;
using InvoiceOcr.Emulator;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Samples.WebApi.Tests.Extraction;

/// <summary><c>POST /extract</c> on the real app (Kestrel, SQLite) against the Gemini emulator.</summary>
public sealed class ExtractEndpointTests
{
    private const string Company = "company-web";
    private const string EInvoice = "zugferd/EN16931_Einfach.pdf";

    [Fact]
    public async Task Extract_CorpusEInvoice_ReturnsTheInvoiceAndRecordsUsageWithUserAndBranch()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);

        using var response = await host.Client.PostAsync(
            "extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "EN16931_Einfach.pdf", Company), TestContext.Current.CancellationToken);

        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        var json = JsonDocument.Parse(body).RootElement;
        var invoice = json.GetProperty("invoice");
        Assert.Equal("471102", invoice.GetProperty("invoiceId").GetString());
        Assert.Equal(529.87m, invoice.GetProperty("total").GetDecimal());
        Assert.Equal("EUR", invoice.GetProperty("currency").GetString());
        Assert.Equal(WebApiHost.GoodKeyId, json.GetProperty("keyId").GetString());
        Assert.Equal(1, json.GetProperty("attempts").GetInt32());
        Assert.Equal("Pdf", json.GetProperty("documentKind").GetString());
        Assert.Equal(JsonValueKind.Array, json.GetProperty("findings").ValueKind);

        var billed = Assert.Single(host.Emulator.Ledger.Entries);
        Assert.Equal(billed.TotalTokenCount, json.GetProperty("usage").GetProperty("totalTokens").GetInt32());
        var recorded = Assert.Single(await host.Ledger.ListAsync(new UsageQuery(Company), TestContext.Current.CancellationToken));
        Assert.Equal(json.GetProperty("operationId").GetString(), recorded.OperationId);
        Assert.Equal("alice", recorded.UserId);
        Assert.Equal("Berlin", recorded.Branch);
        Assert.Equal(billed.TotalTokenCount, recorded.TotalTokens);
        Assert.DoesNotContain(WebApiHost.GoodSecret, body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_DamagedPdf_400ProblemWithKindInvalidDocumentAndNoModelCall()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);

        using var response = await host.Client.PostAsync(
            "extract",
            WebApiHost.Form(SharedData.ReadInvoice("edge/corrupt-factur-x-waytoosmall.pdf"), "tiny.pdf", Company),
            TestContext.Current.CancellationToken);

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

        using var response = await host.Client.PostAsync(
            "extract", WebApiHost.Form("just some words, not an invoice"u8.ToArray(), "notes.txt", Company, contentType: "text/plain"), TestContext.Current.CancellationToken);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
        Assert.Equal("InvalidDocument", ProblemAssert.Kind(problem));
        Assert.Equal("UnsupportedType", problem.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Extract_FileOverTheSdkLimit_413ProblemWithReasonTooLarge()
    {
        await using var host = await WebApiHost.StartAsync(new Dictionary<string, string?> { ["InvoiceOcr:Documents:MaxFileBytes"] = "4096" });
        await host.AddKeyAsync(Company);
        var file = SharedData.ReadInvoice(EInvoice);
        Assert.True(file.Length > 4096 * 4, "The corpus file must be well over the configured limit.");

        using var response = await host.Client.PostAsync("extract", WebApiHost.Form(file, "big.pdf", Company), TestContext.Current.CancellationToken);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("InvalidDocument", ProblemAssert.Kind(problem));
        Assert.Equal("TooLarge", problem.GetProperty("reason").GetString());
        Assert.Empty(host.Emulator.Ledger.Entries);
    }

    [Fact]
    public async Task Extract_CompanyWithoutKeys_403ProblemWithTheSeedMessage()
    {
        await using var host = await WebApiHost.StartAsync();

        using var response = await host.Client.PostAsync(
            "extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "invoice.pdf", "company-without-keys"), TestContext.Current.CancellationToken);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal("NoKeyAvailable", ProblemAssert.Kind(problem));
        Assert.Equal("No active token found for your company. Please contact support.", problem.GetProperty("detail").GetString());
        Assert.Empty(host.Emulator.Ledger.Entries);
    }

    [Fact]
    public async Task Extract_DisabledKey_403ProblemWithTheSeedMessage()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company);
        Assert.True(await host.Keys.TryChangeStatusAsync(WebApiHost.GoodKeyId, null, ApiKeyStatus.Disabled, "test", TestContext.Current.CancellationToken));

        using var response = await host.Client.PostAsync(
            "extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "invoice.pdf", Company), TestContext.Current.CancellationToken);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal("KeyDisabled", ProblemAssert.Kind(problem));
        Assert.Equal("Your AI token is no longer available or has been disabled. Please contact support.", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Extract_KeyPerMinuteQuotaUsedUp_429ProblemWithRetryAfter()
    {
        await using var host = await WebApiHost.StartAsync();
        await host.AddKeyAsync(Company, rates: new QuotaLimits { RequestsPerMinute = 0 });

        using var response = await host.Client.PostAsync(
            "extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "invoice.pdf", Company), TestContext.Current.CancellationToken);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.TooManyRequests);
        Assert.Equal("LocalQuotaExceeded", ProblemAssert.Kind(problem));
        var retryAfter = Assert.Single(response.Headers.GetValues("Retry-After"));
        var seconds = int.Parse(retryAfter, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(seconds, 1, 60);
        Assert.Equal(seconds, problem.GetProperty("retryAfterSeconds").GetInt32());
        Assert.Empty(host.Emulator.Ledger.Entries);
    }

    [Fact]
    public async Task Extract_ServerErrorsOnEveryAttempt_502ProblemWithKindServerError()
    {
        await using var host = await WebApiHost.StartAsync(new Dictionary<string, string?> { ["InvoiceOcr:Retry:MaxRetryAttempts"] = "1" });
        await host.AddKeyAsync(Company);
        host.Emulator.InjectFault(EmulatorFaultKind.Internal, count: 10);

        using var response = await host.Client.PostAsync(
            "extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "invoice.pdf", Company), TestContext.Current.CancellationToken);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadGateway);
        Assert.Equal("ServerError", ProblemAssert.Kind(problem));
        Assert.DoesNotContain(WebApiHost.GoodSecret, problem.GetRawText(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Extract_MissingCompany_400ValidationProblemNamingTheField()
    {
        await using var host = await WebApiHost.StartAsync();

        using var response = await host.Client.PostAsync(
            "extract", WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "invoice.pdf", companyId: null), TestContext.Current.CancellationToken);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("companyID", out _));
    }

    [Fact]
    public async Task Extract_JsonBody_415Problem()
    {
        await using var host = await WebApiHost.StartAsync();

        using var response = await host.Client.PostAsync(
            "extract", new StringContent("{\"companyID\":\"x\"}", System.Text.Encoding.UTF8, "application/json"), TestContext.Current.CancellationToken);

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.UnsupportedMediaType);
    }

    [Fact]
    public async Task Extract_CompanyOverItsRequestLimit_429ProblemWithRetryAfterWhileOtherCompaniesPass()
    {
        await using var host = await WebApiHost.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimiting:PermitLimit"] = "1",
            ["RateLimiting:Window"] = "01:00:00",
        });
        var file = SharedData.ReadInvoice(EInvoice);

        using var first = await host.Client.PostAsync("extract", WebApiHost.Form(file, "a.pdf", "company-busy"), TestContext.Current.CancellationToken);
        using var second = await host.Client.PostAsync("extract", WebApiHost.Form(file, "b.pdf", "company-busy"), TestContext.Current.CancellationToken);
        using var other = await host.Client.PostAsync("extract", WebApiHost.Form(file, "c.pdf", "company-quiet"), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, first.StatusCode); // Through the limiter; the company simply has no keys.
        var problem = await ProblemAssert.IsProblemAsync(second, HttpStatusCode.TooManyRequests);
        Assert.Equal("RateLimited", ProblemAssert.Kind(problem));
        var retryAfter = int.Parse(Assert.Single(second.Headers.GetValues("Retry-After")), System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 3600);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
    }

    [Fact]
    public async Task Extract_TooManyFormFields_400ProblemNotMistakenForAFileSizeError()
    {
        await using var host = await WebApiHost.StartAsync();
        using var form = WebApiHost.Form(SharedData.ReadInvoice(EInvoice), "invoice.pdf", Company);
        for (var i = 0; i < 20; i++)
        {
            form.Add(new StringContent("x"), "extra" + i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        using var response = await host.Client.PostAsync("extract", form, TestContext.Current.CancellationToken);

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.Null(ProblemAssert.Kind(problem));
        Assert.Contains("form", problem.GetProperty("detail").GetString(), StringComparison.OrdinalIgnoreCase);
    }
}
