using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using InvoiceOcr.TestSupport;

namespace InvoiceOcr.Samples.WebApi.Tests.Jobs;

/// <summary>The <c>/jobs</c> endpoints on the real app (Kestrel, SQLite key store, the SDK's job worker) against the Gemini emulator.</summary>
public sealed class JobEndpointsTests
{
    private const string Company = "company-jobs";
    private const string OtherCompany = "company-jobs-other";
    private static readonly string[] Invoices = ["zugferd/EN16931_Einfach.pdf", "zugferd/XRECHNUNG_Einfach.pdf"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    // The worker looks for work often, so a test waits for its items, not for the default one-second poll.
    private static readonly Dictionary<string, string?> FastWorker = new() { ["Jobs:PollInterval"] = "00:00:00.020" };

    // No worker: the job stays where the test puts it, whatever the machine's speed.
    private static readonly Dictionary<string, string?> NoWorker = new() { ["Jobs:RunWorker"] = "false" };

    [Fact]
    public async Task Submit_PollUntilDone_ResultsHoldTheInvoicesAndEachDocumentIsBilledOnce()
    {
        await using var host = await WebApiHost.StartAsync(FastWorker);
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);

        using var submitted = await tenant.PostAsync("jobs", Upload("month-end-2026-11"), Ct);
        var body = await submitted.Content.ReadAsStringAsync(Ct);
        Assert.True(submitted.StatusCode == HttpStatusCode.Created, body);
        var json = JsonDocument.Parse(body).RootElement;
        Assert.Equal(2, json.GetProperty("added").GetInt32());
        Assert.Equal(0, json.GetProperty("skipped").GetInt32());
        var jobId = json.GetProperty("job").GetProperty("jobId").GetString()!;
        Assert.Equal(Company, json.GetProperty("job").GetProperty("companyId").GetString());
        Assert.Equal("/jobs/" + jobId, submitted.Headers.Location?.OriginalString);

        var done = await PollUntilFinishedAsync(tenant, jobId);
        Assert.Equal("Completed", done.GetProperty("state").GetString());
        Assert.Equal(100, done.GetProperty("percentDone").GetInt32());
        Assert.Equal(2, done.GetProperty("progress").GetProperty("completed").GetInt32());

        var items = await GetJsonAsync(tenant, $"jobs/{jobId}/items?state=Completed");
        var completed = items.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(2, completed.Count);
        Assert.Contains(completed, i => i.GetProperty("invoice").GetProperty("invoiceId").GetString() == "471102");
        Assert.All(completed, i => Assert.True(i.GetProperty("totalTokens").GetInt32() > 0));
        Assert.True(items.GetProperty("nextAfter").ValueKind == JsonValueKind.Null);
        Assert.Equal(2, host.Emulator.Ledger.Entries.Count);

        // Paging: one item per page, the second page continues after the first.
        var first = await GetJsonAsync(tenant, $"jobs/{jobId}/items?pageSize=1");
        var next = first.GetProperty("nextAfter").GetInt32();
        var second = await GetJsonAsync(tenant, $"jobs/{jobId}/items?pageSize=1&after={next}");
        Assert.NotEqual(first.GetProperty("items")[0].GetProperty("itemId").GetString(), second.GetProperty("items")[0].GetProperty("itemId").GetString());

        // The audit trail of an item: Pending → Processing → Completed.
        var itemId = completed[0].GetProperty("itemId").GetString();
        var transitions = (await GetJsonAsync(tenant, $"jobs/{jobId}/items/{itemId}/transitions")).EnumerateArray().ToList();
        Assert.Equal("Completed", transitions[^1].GetProperty("to").GetString());
        Assert.Contains(transitions, t => t.GetProperty("to").GetString() == "Processing");

        // The item whole: its result and its trail in one answer.
        var whole = await GetJsonAsync(tenant, $"jobs/{jobId}/items/{itemId}");
        Assert.Equal("Completed", whole.GetProperty("item").GetProperty("state").GetString());
        Assert.Equal(completed[0].GetProperty("invoice").GetProperty("invoiceId").GetString(), whole.GetProperty("item").GetProperty("invoice").GetProperty("invoiceId").GetString());
        Assert.Equal(transitions.Count, whole.GetProperty("transitions").GetArrayLength());

        // Re-submitting the same folder under the same job key adds nothing, and nothing is billed again.
        using var again = await tenant.PostAsync("jobs", Upload("month-end-2026-11"), Ct);
        var againJson = JsonDocument.Parse(await again.Content.ReadAsStringAsync(Ct)).RootElement;
        Assert.Equal(jobId, againJson.GetProperty("job").GetProperty("jobId").GetString());
        Assert.Equal(0, againJson.GetProperty("added").GetInt32());
        Assert.Equal(2, againJson.GetProperty("skipped").GetInt32());
        Assert.Equal(2, host.Emulator.Ledger.Entries.Count);
        Assert.Equal(2, (await host.Ledger.ListAsync(new UsageQuery(Company), Ct)).Count);
    }

    [Fact]
    public async Task SuspendResumeCancel_MoveTheJobAndAnIllegalMoveIs409()
    {
        await using var host = await WebApiHost.StartAsync(NoWorker);
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);
        var jobId = await SubmitAsync(tenant);

        Assert.Equal("Pending", (await GetJsonAsync(tenant, $"jobs/{jobId}")).GetProperty("state").GetString());
        var suspended = await PostJsonAsync(tenant, $"jobs/{jobId}/suspend");
        Assert.Equal("Suspended", suspended.GetProperty("state").GetString());
        Assert.Equal(2, suspended.GetProperty("progress").GetProperty("suspended").GetInt32());

        var resumed = await PostJsonAsync(tenant, $"jobs/{jobId}/resume");
        Assert.Equal("Pending", resumed.GetProperty("state").GetString());
        Assert.Equal(2, resumed.GetProperty("progress").GetProperty("pending").GetInt32());

        var cancelled = await PostJsonAsync(tenant, $"jobs/{jobId}/cancel");
        Assert.Equal("Cancelled", cancelled.GetProperty("state").GetString());

        using var resumeCancelled = await tenant.PostAsync($"jobs/{jobId}/resume", null, Ct);
        var problem = await ProblemAssert.IsProblemAsync(resumeCancelled, HttpStatusCode.Conflict);
        Assert.Equal("JobTransitionRejected", ProblemAssert.Kind(problem));

        // The trail of the first item records each move, oldest first.
        var items = await GetJsonAsync(tenant, $"jobs/{jobId}/items");
        var itemId = items.GetProperty("items")[0].GetProperty("itemId").GetString();
        var moves = (await GetJsonAsync(tenant, $"jobs/{jobId}/items/{itemId}/transitions")).EnumerateArray()
            .Select(t => t.GetProperty("from").GetString() + ">" + t.GetProperty("to").GetString()).ToList();
        Assert.Equal(["Pending>Suspended", "Suspended>Pending", "Pending>Cancelled"], moves.TakeLast(3));
        Assert.Empty(host.Emulator.Ledger.Entries);
    }

    [Fact]
    public async Task AnotherCompanysJob_IsNotFoundForTheTenantAndReadableForTheAdmin()
    {
        await using var host = await WebApiHost.StartAsync(NoWorker);
        await host.AddKeyAsync(Company);
        var owner = await host.TenantAsync(Company);
        var other = await host.TenantAsync(OtherCompany);
        var jobId = await SubmitAsync(owner);
        var itemId = (await GetJsonAsync(owner, $"jobs/{jobId}/items")).GetProperty("items")[0].GetProperty("itemId").GetString();

        foreach (var path in new[] { $"jobs/{jobId}", $"jobs/{jobId}/items", $"jobs/{jobId}/items/{itemId}", $"jobs/{jobId}/items/{itemId}/transitions" })
        {
            using var response = await other.GetAsync(path, Ct);
            Assert.Equal("JobNotFound", ProblemAssert.Kind(await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound)));
        }

        foreach (var action in new[] { "suspend", "resume", "cancel", "retry" })
        {
            using var response = await other.PostAsync($"jobs/{jobId}/{action}", null, Ct);
            await ProblemAssert.IsProblemAsync(response, HttpStatusCode.NotFound);
        }

        Assert.Equal(0, (await GetJsonAsync(other, "jobs")).GetArrayLength());
        Assert.Equal("Pending", (await GetJsonAsync(owner, $"jobs/{jobId}")).GetProperty("state").GetString());

        // An item id of another job is not reachable through one's own job either.
        await host.AddKeyAsync(OtherCompany, id: "key-other");
        var otherJob = await SubmitAsync(other);
        using (var crossed = await other.GetAsync($"jobs/{otherJob}/items/{itemId}/transitions", Ct))
        {
            await ProblemAssert.IsProblemAsync(crossed, HttpStatusCode.NotFound);
        }

        using (var crossedItem = await other.GetAsync($"jobs/{otherJob}/items/{itemId}", Ct))
        {
            await ProblemAssert.IsProblemAsync(crossedItem, HttpStatusCode.NotFound);
        }

        // Operators read every company's jobs; tenants cannot use the admin views.
        Assert.Equal(jobId, (await GetJsonAsync(host.Admin, $"admin/api/jobs/{jobId}")).GetProperty("jobId").GetString());
        Assert.Equal(1, (await GetJsonAsync(host.Admin, $"admin/api/companies/{Company}/jobs")).GetArrayLength());
        Assert.Equal(2, (await GetJsonAsync(host.Admin, $"admin/api/jobs/{jobId}/items")).GetProperty("items").GetArrayLength());
        Assert.Equal(itemId, (await GetJsonAsync(host.Admin, $"admin/api/jobs/{jobId}/items/{itemId}")).GetProperty("item").GetProperty("itemId").GetString());
        using var tenantAsAdmin = await owner.GetAsync($"admin/api/jobs/{jobId}", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, tenantAsAdmin.StatusCode);
    }

    [Fact]
    public async Task Submit_BadRequests_AreProblemsAndCreateNothing()
    {
        await using var host = await WebApiHost.StartAsync(NoWorker);
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);

        using var noFiles = new MultipartFormDataContent { { new StringContent("x"), "jobKey" } };
        using var noFilesResponse = await tenant.PostAsync("jobs", noFiles, Ct);
        Assert.True((await ProblemAssert.IsProblemAsync(noFilesResponse, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("files", out _));

        using var anonymous = await host.Client.PostAsync("jobs", Upload(null), Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var keyless = await host.TenantAsync("company-without-keys");
        using var refused = await keyless.PostAsync("jobs", Upload(null), Ct);
        Assert.Equal("NoKeyAvailable", ProblemAssert.Kind(await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.Forbidden)));

        Assert.Equal(0, (await GetJsonAsync(tenant, "jobs")).GetArrayLength());
        var jobId = await SubmitAsync(tenant);
        using var badState = await tenant.GetAsync($"jobs/{jobId}/items?state=Done", Ct);
        Assert.True((await ProblemAssert.IsProblemAsync(badState, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("state", out _));
        using var badPage = await tenant.GetAsync($"jobs/{jobId}/items?pageSize=0", Ct);
        await ProblemAssert.IsProblemAsync(badPage, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Submit_MoreFilesThanAllowed_IsRefusedBeforeAJobIsCreated()
    {
        await using var host = await WebApiHost.StartAsync(new Dictionary<string, string?> { ["Jobs:RunWorker"] = "false", ["Jobs:Upload:MaxFiles"] = "1" });
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);

        using var response = await tenant.PostAsync("jobs", Upload(null), Ct);

        Assert.True((await ProblemAssert.IsProblemAsync(response, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("files", out _));
        Assert.Equal(0, (await GetJsonAsync(tenant, "jobs")).GetArrayLength());
    }

    [Fact]
    public async Task Submit_BatchModeWithFallbackToInteractive_IsStoredWithTheJobAndFallbackWithoutBatchModeIsRefused()
    {
        await using var host = await WebApiHost.StartAsync(NoWorker);
        await host.AddKeyAsync(Company);
        var tenant = await host.TenantAsync(Company);

        using var withoutBatch = Upload(null);
        withoutBatch.Add(new StringContent("true"), "fallbackToInteractive");
        using var refused = await tenant.PostAsync("jobs", withoutBatch, Ct);
        Assert.True((await ProblemAssert.IsProblemAsync(refused, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("fallbackToInteractive", out _));
        Assert.Equal(0, (await GetJsonAsync(tenant, "jobs")).GetArrayLength());

        using var form = Upload("batch-with-fallback");
        form.Add(new StringContent("true"), "batchMode");
        form.Add(new StringContent("true"), "fallbackToInteractive");
        using var submitted = await tenant.PostAsync("jobs", form, Ct);
        var body = await submitted.Content.ReadAsStringAsync(Ct);
        Assert.True(submitted.StatusCode == HttpStatusCode.Created, body);
        var job = JsonDocument.Parse(body).RootElement.GetProperty("job");
        Assert.True(job.GetProperty("useBatchMode").GetBoolean());
        Assert.True(job.GetProperty("fallbackToInteractive").GetBoolean());
        var stored = await GetJsonAsync(tenant, "jobs/" + job.GetProperty("jobId").GetString());
        Assert.True(stored.GetProperty("fallbackToInteractive").GetBoolean());
        var items = await GetJsonAsync(tenant, $"jobs/{job.GetProperty("jobId").GetString()}/items");
        Assert.All(items.GetProperty("items").EnumerateArray(), i => Assert.False(i.GetProperty("interactiveFallback").GetBoolean()));
    }

    private static MultipartFormDataContent Upload(string? jobKey)
    {
        var form = new MultipartFormDataContent();
        foreach (var path in Invoices)
        {
            var content = new ByteArrayContent(SharedData.ReadInvoice(path));
            content.Headers.ContentType = new MediaTypeHeaderValue("application/pdf");
            form.Add(content, "files", Path.GetFileName(path));
        }

        if (jobKey is not null)
        {
            form.Add(new StringContent(jobKey), "jobKey");
        }

        form.Add(new StringContent("alice"), "username");
        form.Add(new StringContent("Berlin"), "branch");
        return form;
    }

    private static async Task<string> SubmitAsync(HttpClient tenant)
    {
        using var response = await tenant.PostAsync("jobs", Upload(null), Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("job").GetProperty("jobId").GetString()!;
    }

    private static async Task<JsonElement> PollUntilFinishedAsync(HttpClient tenant, string jobId)
    {
        // Polls as a client would; the bound is the test's cancellation, not a guess at the machine's speed.
        while (true)
        {
            var job = await GetJsonAsync(tenant, $"jobs/{jobId}");
            if (job.GetProperty("state").GetString() is "Completed" or "Failed" or "PartiallyProcessed" or "Cancelled")
            {
                return job;
            }

            await Task.Delay(50, Ct);
        }
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient client, string path)
    {
        using var response = await client.GetAsync(path, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private static async Task<JsonElement> PostJsonAsync(HttpClient client, string path)
    {
        using var response = await client.PostAsync(path, null, Ct);
        var body = await response.Content.ReadAsStringAsync(Ct);
        Assert.True(response.IsSuccessStatusCode, $"{path}: {(int)response.StatusCode} {body}");
        return JsonDocument.Parse(body).RootElement.Clone();
    }
}
