namespace InvoiceOcr.Sdk.StoreContract;

/// <summary>
/// The semantics every <see cref="IInvoiceJobStore"/> must have (in-memory, SQLite, SQL Server, PostgreSQL): idempotent jobs
/// and documents, the transition table and optimistic locking, leases that never overlap and lapse, quota parking and
/// resumption, manual controls and the audit trail. A backend derives from this class and creates a fresh, empty store.
/// </summary>
public abstract class JobStoreContractTests
{
    protected static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 20, TimeSpan.Zero);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Creates a fresh, empty job store; disposing the result disposes what it holds.</summary>
    protected abstract Task<(IInvoiceJobStore Store, IAsyncDisposable? Owner)> CreateStoreAsync();

    private static InvoiceJob Job(string id, string company = "c-1", string? key = null) =>
        new() { JobId = id, CompanyId = company, JobKey = key, RequestedBy = "alice", Branch = "Pune", CreatedAt = Start, UpdatedAt = Start };

    private static NewInvoiceJobItem Item(string id, string sha, byte[]? content = null) => new()
    {
        ItemId = id,
        DocumentSha256 = sha,
        FileName = id + ".pdf",
        Source = content is null ? InvoiceJobDocumentSource.File : InvoiceJobDocumentSource.Stored,
        Location = content is null ? "/share/" + id + ".pdf" : null,
        Content = content,
        OperationId = "op-" + id,
    };

    private static InvoiceJobLeaseRequest Lease(string worker, int max, DateTimeOffset now) =>
        new() { WorkerId = worker, MaxItems = max, Now = now, LeaseUntil = now.AddMinutes(5) };

    private async Task<T> WithStoreAsync<T>(Func<IInvoiceJobStore, Task<T>> test)
    {
        var (store, owner) = await CreateStoreAsync();
        try
        {
            return await test(store);
        }
        finally
        {
            if (owner is not null)
            {
                await owner.DisposeAsync();
            }
        }
    }

    private Task WithStoreAsync(Func<IInvoiceJobStore, Task> test) => WithStoreAsync(async s =>
    {
        await test(s);
        return 0;
    });

    [Fact]
    public Task CreateJobAsync_SameJobKeyTwice_ReturnsTheFirstJob() => WithStoreAsync(async store =>
    {
        var first = await store.CreateJobAsync(Job("j-1", key: "month-end"), Ct);
        var second = await store.CreateJobAsync(Job("j-2", key: "month-end"), Ct);
        var otherCompany = await store.CreateJobAsync(Job("j-3", company: "c-2", key: "month-end"), Ct);

        Assert.Equal("j-1", first.JobId);
        Assert.Equal("j-1", second.JobId);
        Assert.Equal("j-3", otherCompany.JobId);
        Assert.Equal(InvoiceJobControl.Active, first.Control);
        Assert.Equal(["j-1"], (await store.ListJobsAsync("c-1", Ct)).Select(j => j.JobId));
        var read = await store.GetJobAsync("j-1", Ct);
        Assert.Equal("alice", read!.RequestedBy);
        Assert.Equal("Pune", read.Branch);
    });

    [Fact]
    public Task AddItemsAsync_SameDocumentTwice_AddsItOnce() => WithStoreAsync(async store =>
    {
        await store.CreateJobAsync(Job("j-1"), Ct);

        var first = await store.AddItemsAsync("j-1", [Item("i-1", "aa"), Item("i-2", "bb")], Start, Ct);
        var again = await store.AddItemsAsync("j-1", [Item("i-3", "aa"), Item("i-4", "cc")], Start, Ct);

        Assert.Equal(2, first);
        Assert.Equal(1, again);
        var page = await store.ListItemsAsync(new InvoiceJobItemQuery("j-1"), Ct);
        Assert.Equal(["i-1", "i-2", "i-4"], page.Items.Select(i => i.ItemId));
        Assert.Equal([1, 2, 3], page.Items.Select(i => i.Sequence));
        Assert.All(page.Items, i => Assert.Equal(InvoiceJobItemState.Pending, i.State));
        Assert.Equal("op-i-1", page.Items[0].OperationId);
        Assert.Equal("c-1", page.Items[0].CompanyId);
        Assert.Equal(3, (await store.GetProgressAsync("j-1", Ct)).Pending);
    });

    [Fact]
    public Task GetItemContentAsync_StoredDocument_ReturnsItsBytes() => WithStoreAsync(async store =>
    {
        await store.CreateJobAsync(Job("j-1"), Ct);
        await store.AddItemsAsync("j-1", [Item("i-1", "aa", [1, 2, 3]), Item("i-2", "bb")], Start, Ct);

        Assert.Equal([1, 2, 3], await store.GetItemContentAsync("i-1", Ct));
        Assert.Null(await store.GetItemContentAsync("i-2", Ct));
        Assert.Equal("/share/i-2.pdf", (await store.GetItemAsync("i-2", Ct))!.Location);
    });

    [Fact]
    public Task ListItemsAsync_Pages_ContinueAfterTheLastSequenceAndFilterByState() => WithStoreAsync(async store =>
    {
        await store.CreateJobAsync(Job("j-1"), Ct);
        await store.AddItemsAsync("j-1", [.. Enumerable.Range(1, 5).Select(n => Item("i-" + n, "h" + n))], Start, Ct);
        await store.LeaseItemsAsync(Lease("w-1", 2, Start), Ct);

        var first = await store.ListItemsAsync(new InvoiceJobItemQuery("j-1") { PageSize = 2 }, Ct);
        var second = await store.ListItemsAsync(new InvoiceJobItemQuery("j-1") { PageSize = 2, After = first.NextAfter!.Value }, Ct);
        var third = await store.ListItemsAsync(new InvoiceJobItemQuery("j-1") { PageSize = 2, After = second.NextAfter!.Value }, Ct);
        var pending = await store.ListItemsAsync(new InvoiceJobItemQuery("j-1") { State = InvoiceJobItemState.Pending }, Ct);

        Assert.Equal(["i-1", "i-2"], first.Items.Select(i => i.ItemId));
        Assert.Equal(["i-3", "i-4"], second.Items.Select(i => i.ItemId));
        Assert.Equal(["i-5"], third.Items.Select(i => i.ItemId));
        Assert.Null(third.NextAfter);
        Assert.Equal(["i-3", "i-4", "i-5"], pending.Items.Select(i => i.ItemId));
    });

    [Fact]
    public Task LeaseItemsAsync_TwoWorkers_NeverLeaseTheSameItem() => WithStoreAsync(async store =>
    {
        await store.CreateJobAsync(Job("j-1"), Ct);
        await store.AddItemsAsync("j-1", [.. Enumerable.Range(1, 30).Select(n => Item("i-" + n, "h" + n))], Start, Ct);

        var leases = await Task.WhenAll(Enumerable.Range(1, 6).Select(w => Task.Run(() => store.LeaseItemsAsync(Lease("w-" + w, 7, Start), Ct), Ct)));

        var all = leases.SelectMany(l => l).ToList();
        Assert.Equal(30, all.Count);
        Assert.Equal(30, all.Select(i => i.ItemId).Distinct().Count());
        Assert.All(all, i => Assert.Equal(InvoiceJobItemState.Processing, i.State));
        Assert.All(all, i => Assert.Equal(1, i.LeaseCount));
        Assert.Empty(await store.LeaseItemsAsync(Lease("w-9", 5, Start), Ct));
    });

    [Fact]
    public Task LeaseItemsAsync_LeaseLapsed_AnotherWorkerTakesItOverAndTheFirstLosesIt() => WithStoreAsync(async store =>
    {
        await store.CreateJobAsync(Job("j-1"), Ct);
        await store.AddItemsAsync("j-1", [Item("i-1", "aa")], Start, Ct);
        var mine = (await store.LeaseItemsAsync(Lease("w-1", 1, Start), Ct)).Single();

        Assert.Empty(await store.LeaseItemsAsync(Lease("w-2", 1, Start.AddMinutes(4)), Ct));
        var taken = (await store.LeaseItemsAsync(Lease("w-2", 1, Start.AddMinutes(5)), Ct)).Single();

        Assert.Equal("w-2", taken.LeaseOwner);
        Assert.Equal(2, taken.LeaseCount);
        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => store.TransitionItemAsync(
            new InvoiceJobItemChange { ItemId = "i-1", ExpectedVersion = mine.Version, To = InvoiceJobItemState.Completed, At = Start.AddMinutes(6) }, Ct));
        Assert.Equal(InvoiceOcrErrorKind.JobVersionConflict, error.Kind);
        Assert.Equal(0, await store.RenewLeasesAsync("w-1", ["i-1"], Start.AddMinutes(10), Ct));
        Assert.Equal(1, await store.RenewLeasesAsync("w-2", ["i-1"], Start.AddMinutes(20), Ct));
        var history = await store.ListTransitionsAsync("i-1", Ct);
        Assert.Equal(
            [(InvoiceJobItemState.Pending, InvoiceJobItemState.Processing, "w-1"), (InvoiceJobItemState.Processing, InvoiceJobItemState.Processing, "w-2")],
            history.Select(t => (t.From, t.To, t.WorkerId)));
    });

    [Fact]
    public Task RenewLeasesAsync_Heartbeat_KeepsTheLeaseAndTheVersion() => WithStoreAsync(async store =>
    {
        await store.CreateJobAsync(Job("j-1"), Ct);
        await store.AddItemsAsync("j-1", [Item("i-1", "aa")], Start, Ct);
        var mine = (await store.LeaseItemsAsync(Lease("w-1", 1, Start), Ct)).Single();

        Assert.Equal(1, await store.RenewLeasesAsync("w-1", ["i-1"], Start.AddMinutes(12), Ct));

        Assert.Empty(await store.LeaseItemsAsync(Lease("w-2", 1, Start.AddMinutes(8)), Ct));
        var done = await store.TransitionItemAsync(
            new InvoiceJobItemChange { ItemId = "i-1", ExpectedVersion = mine.Version, To = InvoiceJobItemState.Completed, At = Start.AddMinutes(9), InvoiceJson = "{}", TotalTokens = 42, KeyId = "k-1" }, Ct);
        Assert.Equal(InvoiceJobItemState.Completed, done.State);
        Assert.Null(done.LeaseOwner);
        Assert.Equal(42, (await store.GetItemAsync("i-1", Ct))!.TotalTokens);
    });

    [Fact]
    public Task TransitionItemAsync_MoveTheTableForbids_IsRejectedAndNothingChanges() => WithStoreAsync(async store =>
    {
        await store.CreateJobAsync(Job("j-1"), Ct);
        await store.AddItemsAsync("j-1", [Item("i-1", "aa")], Start, Ct);

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => store.TransitionItemAsync(
            new InvoiceJobItemChange { ItemId = "i-1", ExpectedVersion = 1, To = InvoiceJobItemState.Completed, At = Start }, Ct));

        Assert.Equal(InvoiceOcrErrorKind.JobTransitionRejected, error.Kind);
        var item = await store.GetItemAsync("i-1", Ct);
        Assert.Equal(InvoiceJobItemState.Pending, item!.State);
        Assert.Equal(1, item.Version);
        Assert.Empty(await store.ListTransitionsAsync("i-1", Ct));
    });

    [Fact]
    public Task TransitionItemAsync_FailedWithPartialInvoice_KeepsItAndTheFailure() => WithStoreAsync(async store =>
    {
        await store.CreateJobAsync(Job("j-1"), Ct);
        await store.AddItemsAsync("j-1", [Item("i-1", "aa")], Start, Ct);
        var leased = (await store.LeaseItemsAsync(Lease("w-1", 1, Start), Ct)).Single();

        await store.TransitionItemAsync(new InvoiceJobItemChange
        {
            ItemId = "i-1",
            ExpectedVersion = leased.Version,
            To = InvoiceJobItemState.Failed,
            At = Start.AddSeconds(3),
            WorkerId = "w-1",
            AttemptId = "i-1-1",
            Reason = "answer unusable",
            CountFailure = true,
            ErrorKind = InvoiceOcrErrorKind.OutputTruncated,
            ErrorMessage = "cut off",
            InvoiceJson = "{\"invoiceId\":\"A-1\"}",
            IsPartial = true,
        }, Ct);

        var item = await store.GetItemAsync("i-1", Ct);
        Assert.Equal(InvoiceJobItemState.Failed, item!.State);
        Assert.True(item.IsPartial);
        Assert.Equal("{\"invoiceId\":\"A-1\"}", item.InvoiceJson);
        Assert.Equal(InvoiceOcrErrorKind.OutputTruncated, item.ErrorKind);
        Assert.Equal("cut off", item.ErrorMessage);
        Assert.Equal(1, item.FailureCount);
        var last = (await store.ListTransitionsAsync("i-1", Ct))[^1];
        Assert.Equal((InvoiceJobItemState.Processing, InvoiceJobItemState.Failed, "answer unusable", "w-1", "i-1-1", "op-i-1"), (last.From, last.To, last.Reason, last.WorkerId, last.AttemptId, last.OperationId));
        Assert.Equal(Start.AddSeconds(3), last.At);
    });

    [Fact]
    public Task LeaseItemsAsync_RetryingItem_WaitsForItsTime() => WithStoreAsync(async store =>
    {
        await store.CreateJobAsync(Job("j-1"), Ct);
        await store.AddItemsAsync("j-1", [Item("i-1", "aa")], Start, Ct);
        var leased = (await store.LeaseItemsAsync(Lease("w-1", 1, Start), Ct)).Single();
        await store.TransitionItemAsync(new InvoiceJobItemChange { ItemId = "i-1", ExpectedVersion = leased.Version, To = InvoiceJobItemState.Retrying, At = Start, NotBefore = Start.AddSeconds(30), CountFailure = true }, Ct);

        Assert.Empty(await store.LeaseItemsAsync(Lease("w-1", 1, Start.AddSeconds(29)), Ct));
        Assert.Single(await store.LeaseItemsAsync(Lease("w-1", 1, Start.AddSeconds(30)), Ct));
    });

    [Fact]
    public Task ParkCompanyAsync_QuotaUsedUp_ParksWaitingItemsUntilTheResetThenResumesThem() => WithStoreAsync(async store =>
    {
        await store.CreateJobAsync(Job("j-1"), Ct);
        await store.CreateJobAsync(Job("j-2", company: "c-2"), Ct);
        await store.AddItemsAsync("j-1", [Item("i-1", "aa"), Item("i-2", "bb"), Item("i-3", "cc")], Start, Ct);
        await store.AddItemsAsync("j-2", [Item("x-1", "aa")], Start, Ct);
        var leased = (await store.LeaseItemsAsync(Lease("w-1", 1, Start), Ct)).Single();
        var midnight = QuotaWindows.DayEnd(Start);

        await store.TransitionItemAsync(new InvoiceJobItemChange { ItemId = leased.ItemId, ExpectedVersion = leased.Version, To = InvoiceJobItemState.QuotaExceeded, At = Start, NotBefore = midnight }, Ct);
        var parked = await store.ParkCompanyAsync("c-1", midnight, "quota used up", "w-1", Start, Ct);

        Assert.Equal(2, parked);
        var progress = await store.GetProgressAsync("j-1", Ct);
        Assert.Equal(3, progress.QuotaExceeded);
        Assert.Equal(midnight, progress.ResumesAt);
        Assert.Equal(InvoiceJobState.QuotaExceeded, new InvoiceJobStatus((await store.GetJobAsync("j-1", Ct))!, progress).State);
        Assert.Equal(1, (await store.GetProgressAsync("j-2", Ct)).Pending);
        Assert.Equal(["x-1"], (await store.LeaseItemsAsync(Lease("w-1", 5, Start.AddHours(1)), Ct)).Select(i => i.ItemId));

        Assert.Equal(0, await store.ResumeDueAsync(midnight.AddTicks(-1), "w-1", Ct));
        Assert.Equal(3, await store.ResumeDueAsync(midnight, "w-1", Ct));
        Assert.Equal(3, (await store.LeaseItemsAsync(Lease("w-1", 5, midnight), Ct)).Count(i => i.JobId == "j-1"));
        var path = await store.ListTransitionsAsync("i-2", Ct);
        Assert.True(InvoiceJobTransitions.IsValidPath(path));
        Assert.Equal([InvoiceJobItemState.QuotaExceeded, InvoiceJobItemState.Pending, InvoiceJobItemState.Processing], path.Select(t => t.To));
    });

    [Fact]
    public Task SetJobControlAsync_SuspendResumeCancel_MoveTheItemsAndAreVersioned() => WithStoreAsync(async store =>
    {
        await store.CreateJobAsync(Job("j-1"), Ct);
        await store.AddItemsAsync("j-1", [Item("i-1", "aa"), Item("i-2", "bb"), Item("i-3", "cc")], Start, Ct);
        var leased = (await store.LeaseItemsAsync(Lease("w-1", 1, Start), Ct)).Single();

        var suspended = await store.SetJobControlAsync("j-1", InvoiceJobControl.Suspended, 1, Start, Ct);
        Assert.Equal(InvoiceJobControl.Suspended, suspended.Control);
        Assert.Equal(2, (await store.GetProgressAsync("j-1", Ct)).Suspended);
        Assert.Empty(await store.LeaseItemsAsync(Lease("w-1", 5, Start), Ct));
        var stale = await Assert.ThrowsAsync<InvoiceOcrException>(() => store.SetJobControlAsync("j-1", InvoiceJobControl.Active, 1, Start, Ct));
        Assert.Equal(InvoiceOcrErrorKind.JobVersionConflict, stale.Kind);

        await store.SetJobControlAsync("j-1", InvoiceJobControl.Active, suspended.Version, Start, Ct);
        Assert.Equal(2, (await store.GetProgressAsync("j-1", Ct)).Pending);
        var cancelled = await store.SetJobControlAsync("j-1", InvoiceJobControl.Cancelled, null, Start, Ct);

        var progress = await store.GetProgressAsync("j-1", Ct);
        Assert.Equal((2, 1), (progress.Cancelled, progress.Processing));
        Assert.Equal(InvoiceJobState.Cancelled, new InvoiceJobStatus(cancelled, progress).State);
        var again = await Assert.ThrowsAsync<InvoiceOcrException>(() => store.SetJobControlAsync("j-1", InvoiceJobControl.Active, null, Start, Ct));
        Assert.Equal(InvoiceOcrErrorKind.JobTransitionRejected, again.Kind);

        // The item that was processing finishes normally.
        await store.TransitionItemAsync(new InvoiceJobItemChange { ItemId = leased.ItemId, ExpectedVersion = leased.Version, To = InvoiceJobItemState.Completed, At = Start }, Ct);
        Assert.Equal(1, (await store.GetProgressAsync("j-1", Ct)).Completed);
    });

    [Fact]
    public Task RetryFailedAsync_FailedItems_GoBackToPendingWithTheirCountReset() => WithStoreAsync(async store =>
    {
        await store.CreateJobAsync(Job("j-1"), Ct);
        await store.AddItemsAsync("j-1", [Item("i-1", "aa"), Item("i-2", "bb")], Start, Ct);
        foreach (var leased in await store.LeaseItemsAsync(Lease("w-1", 2, Start), Ct))
        {
            var to = leased.ItemId == "i-1" ? InvoiceJobItemState.Failed : InvoiceJobItemState.Completed;
            await store.TransitionItemAsync(new InvoiceJobItemChange { ItemId = leased.ItemId, ExpectedVersion = leased.Version, To = to, At = Start, CountFailure = to == InvoiceJobItemState.Failed }, Ct);
        }

        var before = await store.GetProgressAsync("j-1", Ct);
        Assert.Equal(InvoiceJobState.PartiallyProcessed, new InvoiceJobStatus((await store.GetJobAsync("j-1", Ct))!, before).State);

        Assert.Equal(1, await store.RetryFailedAsync("j-1", Start, Ct));

        var item = await store.GetItemAsync("i-1", Ct);
        Assert.Equal((InvoiceJobItemState.Pending, 0), (item!.State, item.FailureCount));
        Assert.True(InvoiceJobTransitions.IsValidPath(await store.ListTransitionsAsync("i-1", Ct)));
    });

    private static InvoiceJobBatch Batch(string id, string job = "j-1") => new()
    {
        BatchId = id,
        JobId = job,
        CompanyId = "c-1",
        KeyId = "key-1",
        Model = "gemini-2.5-flash",
        State = InvoiceJobBatchState.Submitting,
        ItemCount = 2,
        EntriesJson = "[{\"itemId\":\"i-1\"},{\"itemId\":\"i-2\"}]",
        Owner = "w-1",
        OwnerUntil = Start.AddMinutes(5),
        NextPollAt = Start,
        Version = 1,
        CreatedAt = Start,
        UpdatedAt = Start,
    };

    [Fact]
    public Task CreateBatchAsync_WithItsItemsChanges_RecordsTheBatchAndHoldsTheItemsInOneTransaction() => WithStoreAsync(async store =>
    {
        await store.CreateJobAsync(Job("j-1") with { UseBatchMode = true }, Ct);
        await store.AddItemsAsync("j-1", [Item("i-1", "aa"), Item("i-2", "bb")], Start, Ct);
        var leased = await store.LeaseItemsAsync(Lease("w-1", 2, Start) with { BatchMode = true }, Ct);
        var deadline = Start.AddHours(49);
        var changes = leased.Select(i => new InvoiceJobItemChange
        {
            ItemId = i.ItemId,
            ExpectedVersion = i.Version,
            To = InvoiceJobItemState.Processing,
            Reason = "batch b-1: submitting",
            At = Start,
            WorkerId = "w-1",
            LeaseUntil = deadline,
        }).ToList();

        var moved = await store.CreateBatchAsync(Batch("b-1"), changes, Ct);

        Assert.All(moved, i => Assert.Equal((InvoiceJobItemState.Processing, deadline, "w-1"), (i.State, i.LeaseExpiresAt, i.LeaseOwner)));
        Assert.Empty(await store.LeaseItemsAsync(Lease("w-2", 2, Start.AddHours(1)) with { BatchMode = null }, Ct));
        var history = await store.ListTransitionsAsync("i-1", Ct);
        Assert.Equal("batch b-1: submitting", history[^1].Reason);
        Assert.True(InvoiceJobTransitions.IsValidPath(history));
        var stored = await store.GetBatchAsync("b-1", Ct);
        Assert.Equal(Batch("b-1"), stored);
        Assert.Equal(["b-1"], (await store.ListBatchesAsync(null, Ct)).Select(b => b.BatchId));
        Assert.Equal(["b-1"], (await store.ListBatchesAsync("j-1", Ct)).Select(b => b.BatchId));
    });

    [Fact]
    public Task UpdateBatchAsync_FromItsVersion_ReplacesTheRowOnceAndAnEndedBatchIsNoLongerOpen() => WithStoreAsync(async store =>
    {
        await store.CreateJobAsync(Job("j-1") with { UseBatchMode = true }, Ct);
        await store.CreateBatchAsync(Batch("b-1"), [], Ct);
        var submitted = Batch("b-1") with { State = InvoiceJobBatchState.Submitted, GeminiName = "batches/abc", Detail = "BATCH_STATE_PENDING", Owner = null, NextPollAt = Start.AddMinutes(1), UpdatedAt = Start.AddSeconds(1) };

        var first = await store.UpdateBatchAsync(submitted, 1, Ct);
        var stale = await store.UpdateBatchAsync(submitted with { Detail = "stale" }, 1, Ct);
        var ended = await store.UpdateBatchAsync(first! with { State = InvoiceJobBatchState.Completed, Detail = "BATCH_STATE_SUCCEEDED" }, first.Version, Ct);

        Assert.Equal(submitted with { Version = 2 }, first);
        Assert.Null(stale);
        Assert.Equal((InvoiceJobBatchState.Completed, 3L, "batches/abc"), (ended!.State, ended.Version, ended.GeminiName));
        Assert.Empty(await store.ListBatchesAsync(null, Ct));
        Assert.Equal(ended, Assert.Single(await store.ListBatchesAsync("j-1", Ct)));
        Assert.Null(await store.UpdateBatchAsync(Batch("b-404"), 1, Ct));
    });

    [Fact]
    public Task CreateBatchAsync_AnItemChangedMeanwhile_StoresNothing() => WithStoreAsync(async store =>
    {
        await store.CreateJobAsync(Job("j-1") with { UseBatchMode = true }, Ct);
        await store.AddItemsAsync("j-1", [Item("i-1", "aa"), Item("i-2", "bb")], Start, Ct);
        var leased = await store.LeaseItemsAsync(Lease("w-1", 2, Start) with { BatchMode = true }, Ct);
        var changes = leased.Select((i, n) => new InvoiceJobItemChange
        {
            ItemId = i.ItemId,
            ExpectedVersion = n == 1 ? i.Version - 1 : i.Version,
            To = InvoiceJobItemState.Processing,
            Reason = "batch b-1: submitting",
            At = Start,
            LeaseUntil = Start.AddHours(49),
        }).ToList();

        var error = await Assert.ThrowsAsync<InvoiceOcrException>(() => store.CreateBatchAsync(Batch("b-1"), changes, Ct));

        Assert.Equal(InvoiceOcrErrorKind.JobVersionConflict, error.Kind);
        Assert.Null(await store.GetBatchAsync("b-1", Ct));
        Assert.Equal(leased.Select(i => i.Version), (await Task.WhenAll(leased.Select(i => store.GetItemAsync(i.ItemId, Ct)))).Select(i => i!.Version));
    });
    [Fact]
    public Task TransitionItemAsync_FallBackToInteractive_MovesTheItemFromTheBatchRouteToTheInteractiveRouteForGood() => WithStoreAsync(async store =>
    {
        var job = await store.CreateJobAsync(Job("j-1") with { UseBatchMode = true, FallbackToInteractive = true }, Ct);
        await store.CreateJobAsync(Job("j-2") with { CreatedAt = Start.AddSeconds(1) }, Ct);
        await store.AddItemsAsync("j-1", [Item("i-1", "aa"), Item("i-2", "bb")], Start, Ct);
        await store.AddItemsAsync("j-2", [Item("i-3", "cc")], Start, Ct);
        var batched = await store.LeaseItemsAsync(Lease("w-1", 5, Start) with { BatchMode = true }, Ct);
        Assert.Equal(["i-1", "i-2"], batched.Select(i => i.ItemId));

        // Its batch expired: i-1 falls back to interactive calls, i-2 goes back to the batch route.
        var at = Start.AddMinutes(1);
        var fellBack = await store.TransitionItemAsync(
            new InvoiceJobItemChange { ItemId = "i-1", ExpectedVersion = batched[0].Version, To = InvoiceJobItemState.Pending, Reason = "batch b-1 ended BATCH_STATE_EXPIRED: falls back to an interactive call", At = at, WorkerId = "w-1" } with { FallBackToInteractive = true },
            Ct);
        await store.TransitionItemAsync(
            new InvoiceJobItemChange { ItemId = "i-2", ExpectedVersion = batched[1].Version, To = InvoiceJobItemState.Pending, Reason = "back to pending", At = at, WorkerId = "w-1" },
            Ct);

        Assert.True(job.FallbackToInteractive);
        Assert.True((await store.GetJobAsync("j-1", Ct))!.FallbackToInteractive);
        Assert.False((await store.GetJobAsync("j-2", Ct))!.FallbackToInteractive);
        Assert.True(fellBack.InteractiveFallback);
        Assert.Equal(["i-2"], (await store.LeaseItemsAsync(Lease("w-1", 5, at) with { BatchMode = true }, Ct)).Select(i => i.ItemId));
        var interactive = await store.LeaseItemsAsync(Lease("w-2", 5, at), Ct);
        Assert.Equal(["i-1", "i-3"], interactive.Select(i => i.ItemId));

        // A later change without the flag keeps it: the item stays on the interactive route.
        var retrying = await store.TransitionItemAsync(
            new InvoiceJobItemChange { ItemId = "i-1", ExpectedVersion = interactive[0].Version, To = InvoiceJobItemState.Retrying, Reason = "server error", At = at, WorkerId = "w-2", NotBefore = at.AddSeconds(10) },
            Ct);
        Assert.True(retrying.InteractiveFallback);
        Assert.True((await store.GetItemAsync("i-1", Ct))!.InteractiveFallback);
        Assert.False((await store.GetItemAsync("i-2", Ct))!.InteractiveFallback);
        Assert.Empty(await store.LeaseItemsAsync(Lease("w-1", 5, at.AddMinutes(1)) with { BatchMode = true }, Ct));
        Assert.Equal(["i-1"], (await store.LeaseItemsAsync(Lease("w-2", 5, at.AddMinutes(1)), Ct)).Select(i => i.ItemId));
        var history = await store.ListTransitionsAsync("i-1", Ct);
        Assert.Contains(history, t => t is { From: InvoiceJobItemState.Processing, To: InvoiceJobItemState.Pending } && t.Reason!.Contains("falls back", StringComparison.Ordinal));
        Assert.True(InvoiceJobTransitions.IsValidPath(history));
    });
}
