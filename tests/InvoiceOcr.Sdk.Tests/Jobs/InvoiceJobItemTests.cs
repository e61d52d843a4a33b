using InvoiceOcr.Emulator;
using InvoiceOcr.Sdk.Jobs;
using InvoiceOcr.Sdk.Tests.EndToEnd;
using InvoiceOcr.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.Tests.Jobs;

/// <summary>
/// One item seen whole (<see cref="IInvoiceJobs.GetItemAsync"/>), and the worker's pace when an item's operation is still
/// claimed by a process that died: over real HTTP against the emulator, round by round on a fake clock.
/// </summary>
public sealed class InvoiceJobItemTests
{
    private const string Company = "company-items";
    private const string Secret = "test-key-job-items-0001";

    private static readonly DateTimeOffset Start = new(2026, 5, 4, 9, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetItemAsync_ItemWhoseAnswerWasCutOff_ReturnsItsErrorPartialInvoiceAndTransitions()
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time);
        var jobs = sdk.Services.GetRequiredService<IInvoiceJobs>();
        var job = await SubmitAsync(jobs);
        var itemId = (await jobs.ListItemsAsync(new InvoiceJobItemQuery(job.JobId), Ct)).Items.Single().ItemId;
        sdk.Emulator.InjectFault(EmulatorFaultKind.MaxTokens, count: 1);

        await sdk.Services.GetRequiredService<InvoiceJobWorker>().RunOnceAsync(Ct);
        var details = await jobs.GetItemAsync(itemId, Ct);

        Assert.NotNull(details);
        Assert.Equal((InvoiceJobItemState.Failed, InvoiceOcrErrorKind.OutputTruncated, true), (details.Item.State, details.Item.ErrorKind, details.Item.IsPartial));
        Assert.Equal("471102", details.Item.ReadInvoice()!.InvoiceId);
        Assert.Equal(
            [(InvoiceJobItemState.Pending, InvoiceJobItemState.Processing), (InvoiceJobItemState.Processing, InvoiceJobItemState.Failed)],
            details.Transitions.Select(t => (t.From, t.To)));
        Assert.Null(await jobs.GetItemAsync("item-that-does-not-exist", Ct));
    }

    [Fact]
    public async Task RunOnceAsync_OperationStillClaimedByADeadProcess_AsksAgainAfterAVisibilityTimeoutNotEveryFewSeconds()
    {
        var time = new FakeTimeProvider(Start);
        await using var sdk = await StartAsync(time);
        var jobs = sdk.Services.GetRequiredService<IInvoiceJobs>();
        var job = await SubmitAsync(jobs);
        var store = sdk.Services.GetRequiredService<IInvoiceJobStore>();
        var worker = sdk.Services.GetRequiredService<InvoiceJobWorker>();

        // A process leases the item, claims its operation (its call is under way) and dies: the claim outlives the lease.
        var leased = (await store.LeaseItemsAsync(new InvoiceJobLeaseRequest { WorkerId = "dead-worker", MaxItems = 1, Now = Start, LeaseUntil = Start.AddMinutes(5) }, Ct)).Single();
        var claim = await sdk.Services.GetRequiredService<IOperationStore>().ClaimOperationAsync(new OperationClaim(leased.OperationId, Company, null, TimeSpan.FromHours(1)), Ct);
        Assert.Equal(OperationClaimStatus.Claimed, claim.Status);
        time.Advance(TimeSpan.FromMinutes(5));

        Assert.Equal(1, await worker.RunOnceAsync(Ct));
        var waiting = (await jobs.GetItemAsync(leased.ItemId, Ct))!.Item;
        time.Advance(TimeSpan.FromSeconds(30));
        var leasedSoon = await worker.RunOnceAsync(Ct);

        Assert.Equal(InvoiceJobItemState.Retrying, waiting.State);
        Assert.True(waiting.NotBefore >= time.GetUtcNow().AddSeconds(-30) + TimeSpan.FromMinutes(5), $"asks again at {waiting.NotBefore:o}");
        Assert.Equal(0, leasedSoon);
        Assert.Equal(0, sdk.Requests.Total);
    }

    private static async Task<EmulatedSdk> StartAsync(FakeTimeProvider time)
    {
        var sdk = await EmulatedSdk.StartAsync(
            emulator => emulator.Keys.Add(new EmulatorKeyOptions { Key = Secret, Id = "emu-items", Project = "project-items" }),
            options => options.EInvoiceMode = EInvoiceMode.ModelOnly,
            time,
            services => services.AddInvoiceOcr().AddJobs(o => o.WorkerId = "worker-1"));
        await sdk.AddKeyAsync(new ApiKey { Id = "key-items", CompanyId = Company, Secret = Secret, ProjectId = "project-items" });
        return sdk;
    }

    private static async Task<InvoiceJob> SubmitAsync(IInvoiceJobs jobs)
    {
        var job = await jobs.CreateJobAsync(new InvoiceJobRequest(Company) { RequestedBy = "alice" }, Ct);
        Assert.Equal(new InvoiceJobAddResult(1, 0), await jobs.AddDocumentsAsync(job.JobId, [InvoiceJobDocument.FromFile(SharedData.Invoice("zugferd/EN16931_Einfach.pdf"))], Ct));
        return job;
    }
}
