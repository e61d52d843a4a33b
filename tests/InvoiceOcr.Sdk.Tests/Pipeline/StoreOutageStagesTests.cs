using InvoiceOcr.Sdk.Tests.Keys;
using Microsoft.Extensions.DependencyInjection;

namespace InvoiceOcr.Sdk.Tests.Pipeline;

/// <summary>
/// The claim and journal stages while the operation store is unreachable: a call with an idempotency key is never run
/// unclaimed, and an attempt is never sent without a durable journal entry (the store's, or the local outbox's).
/// </summary>
public sealed class StoreOutageStagesTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task RunAsync_JournalUnreachableAndNoOutbox_FailsAsStoreUnavailableWithoutAModelCallAndReleasesTheReservation()
    {
        var down = new SwitchableOperationStore { FailJournal = true };
        await using var h = KeyPoolHarness.Create(services: c => down.Register(c, userTokenProvider: true));
        await h.AddKeyAsync("k-1", "c-1");

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.RunAsync(KeyPoolHarness.Request("c-1"), Ct));

        Assert.Equal(InvoiceOcrErrorKind.StoreUnavailable, ex.Kind);
        Assert.Empty(h.Model.Calls);
        var key = (await h.Store.GetAsync("k-1", Ct))!;
        Assert.Equal((0L, 0L), (key.TokensUsed, key.TokensReserved));
    }

    [Fact]
    public async Task RunAsync_JournalUnreachableWithAnOutbox_KeepsTheEntryLocallyBeforeTheRequestAndCountsTheUsageOnce()
    {
        var down = new SwitchableOperationStore { FailJournal = true };
        var outbox = new RecordingJournalOutbox();
        await using var h = KeyPoolHarness.Create(services: c =>
        {
            down.Register(c, userTokenProvider: true);
            c.AddSingleton<IAttemptJournalOutbox>(outbox);
        });
        await h.AddKeyAsync("k-1", "c-1");
        h.Model.Script = (call, _, _) =>
        {
            // The entry is durable before the request leaves.
            Assert.Single(outbox.Kept);
            return null;
        };

        var outcome = await h.RunAsync(KeyPoolHarness.Request("c-1"), Ct);

        var kept = Assert.Single(outbox.Kept);
        var row = Assert.Single(await h.Store.ListAsync(new UsageQuery("c-1"), Ct));
        Assert.Equal((kept.AttemptId, kept.ReservationId), (row.Id, row.ReservationId));
        var key = (await h.Store.GetAsync("k-1", Ct))!;
        Assert.Equal((outcome.Usage.TotalTokens, 0L), (key.TokensUsed, key.TokensReserved));

        // The entry's replay, once the store is back, changes nothing: the billed record already journaled and ended it.
        await h.Store.BeginAttemptAsync(kept, Ct);
        Assert.Empty(await h.Store.ResolveInFlightAttemptsAsync(h.Time.GetUtcNow().AddHours(1), Ct));
        Assert.Equal(outcome.Usage.TotalTokens, (await h.Store.GetAsync("k-1", Ct))!.TokensUsed);
    }

    [Fact]
    public async Task RunAsync_ClaimUnreachableWithAnIdempotencyKey_FailsAsStoreUnavailableWithoutAModelCall()
    {
        var down = new SwitchableOperationStore { FailClaims = true };
        await using var h = KeyPoolHarness.Create(services: c => down.Register(c));
        await h.AddKeyAsync("k-1", "c-1");
        var request = KeyPoolHarness.Request("c-1", operationId: "order-42") with { Context = new ExtractionContext("c-1") { IdempotencyKey = "order-42" } };

        var ex = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.RunAsync(request, Ct));

        Assert.Equal(InvoiceOcrErrorKind.StoreUnavailable, ex.Kind);
        Assert.NotNull(ex.RetryAfter);
        Assert.Empty(h.Model.Calls);
        Assert.Equal(0, (await h.Store.GetAsync("k-1", Ct))!.TokensReserved);
    }

    [Fact]
    public async Task RunAsync_ClaimUnreachableWithoutAnIdempotencyKey_RunsUnclaimed()
    {
        var down = new SwitchableOperationStore { FailClaims = true };
        await using var h = KeyPoolHarness.Create(services: c => down.Register(c));
        await h.AddKeyAsync("k-1", "c-1");

        var outcome = await h.RunAsync(KeyPoolHarness.Request("c-1"), Ct);

        Assert.Equal(("k-1", 1), (outcome.KeyId, outcome.Attempts));
        Assert.Single(h.Model.Calls);
    }

    [Fact]
    public async Task RunAsync_SameKeyWhileTheSuccessWaitsInAnOutboxPastItsClaim_IsRefusedWithoutAModelCallThenAnsweredFromTheStore()
    {
        // The first call's billed record (carrying the operation's outcome) went to an outbox and its completion could not be
        // written: the operation stays in progress. Its journaled attempt holds the claim until the attempt's expiry, past
        // the claim's own lifetime (total timeout + 1 minute), so the same key is refused, not billed again, until the replay.
        var down = new SwitchableOperationStore();
        var outbox = new OutboxUsageLogger();
        await using var h = KeyPoolHarness.Create(services: c =>
        {
            down.Register(c);
            c.AddSingleton<IUsageLogger>(outbox);
        });
        await h.AddKeyAsync("k-1", "c-1");
        var request = KeyPoolHarness.Request("c-1", operationId: "order-42") with { Context = new ExtractionContext("c-1") { IdempotencyKey = "order-42" } };
        down.FailCompletions = true;
        var first = await h.RunAsync(request, Ct);
        down.FailCompletions = false;
        var kept = Assert.Single(outbox.Kept);

        h.Time.Advance(TimeSpan.FromMinutes(7));
        var refused = await Assert.ThrowsAsync<InvoiceOcrException>(() => h.RunAsync(request, Ct));

        Assert.Equal(InvoiceOcrErrorKind.OperationInProgress, refused.Kind);
        Assert.NotNull(refused.RetryAfter);
        Assert.Single(h.Model.Calls);

        // The outbox's replay: the billed ending, which completes the operation with the outcome it carries.
        await h.Store.EndAttemptAsync(new AttemptEnding(kept.Id, AttemptResult.Billed, kept), Ct);
        var answered = await h.RunAsync(request, Ct);

        Assert.True(answered.Replayed);
        Assert.Equal(first.Value, answered.Value);
        Assert.Single(h.Model.Calls);
        Assert.Equal((first.Usage.TotalTokens, 0L), ((await h.Store.GetAsync("k-1", Ct))!.TokensUsed, (await h.Store.GetAsync("k-1", Ct))!.TokensReserved));
    }

    /// <summary>A usage logger whose store is unreachable: every billed record waits in its outbox (<see cref="Kept"/>) until replayed by hand.</summary>
    private sealed class OutboxUsageLogger : IUsageLogger
    {
        public List<UsageRecord> Kept { get; } = [];

        public ValueTask<RecordedUsage> LogUsageAsync(UsageRecord record, CancellationToken cancellationToken)
        {
            Kept.Add(record);
            return ValueTask.FromResult(new RecordedUsage(UsageRecording.Deferred));
        }

        public ValueTask LogRetryAttemptAsync(RetryAttemptRecord record, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }

    /// <summary>The in-memory store as the operation store, with its claims or journal writes failing as unreachable on demand.</summary>
    private sealed class SwitchableOperationStore : IOperationStore
    {
        private IOperationStore _inner = null!;

        public bool FailClaims { get; init; }

        public bool FailJournal { get; init; }

        public bool FailCompletions { get; set; }

        /// <summary>
        /// Registers the store; with <paramref name="userTokenProvider"/> the key pool is a user's decorator of the built-in
        /// provider, which leases only (the built-in one has the store journal the attempt with the reservation), so the journal
        /// stage writes the entry itself, through this store.
        /// </summary>
        public void Register(IServiceCollection services, bool userTokenProvider = false)
        {
            services.AddSingleton<IOperationStore>(sp =>
            {
                _inner = sp.GetRequiredService<InMemoryInvoiceOcrStore>();
                return this;
            });
            if (userTokenProvider)
            {
                services.AddSingleton<Sdk.Keys.TokenProvider>();
                services.AddSingleton<ITokenProvider>(sp => new DecoratingTokenProvider(sp.GetRequiredService<Sdk.Keys.TokenProvider>()));
            }
        }

        public Task<OperationClaimResult> ClaimOperationAsync(OperationClaim claim, CancellationToken cancellationToken) =>
            FailClaims ? Task.FromException<OperationClaimResult>(Down()) : _inner.ClaimOperationAsync(claim, cancellationToken);

        // The claim's read (a call with an idempotency key reads the operation before claiming it with its reservation) fails with the claims.
        public Task<OperationRecord?> GetOperationAsync(string operationId, CancellationToken cancellationToken) =>
            FailClaims ? Task.FromException<OperationRecord?>(Down()) : _inner.GetOperationAsync(operationId, cancellationToken);

        public Task BeginAttemptAsync(AttemptJournalEntry attempt, CancellationToken cancellationToken) =>
            FailJournal ? Task.FromException(Down()) : _inner.BeginAttemptAsync(attempt, cancellationToken);

        public Task<QuotaSettlement?> EndAttemptAsync(AttemptEnding ending, CancellationToken cancellationToken) => _inner.EndAttemptAsync(ending, cancellationToken);

        public Task CompleteOperationAsync(OperationCompletion completion, CancellationToken cancellationToken) =>
            FailCompletions ? Task.FromException(Down()) : _inner.CompleteOperationAsync(completion, cancellationToken);

        public Task<IReadOnlyList<UnknownOutcomeAttempt>> ResolveInFlightAttemptsAsync(DateTimeOffset? startedBefore, CancellationToken cancellationToken) =>
            _inner.ResolveInFlightAttemptsAsync(startedBefore, cancellationToken);

        public Task<IReadOnlyList<UnknownOutcomeAttempt>> ListUnknownOutcomeAttemptsAsync(string? companyId, CancellationToken cancellationToken) =>
            _inner.ListUnknownOutcomeAttemptsAsync(companyId, cancellationToken);

        private static InvoiceOcrException Down() => new(InvoiceOcrErrorKind.StoreUnavailable, "Injected: the store is unreachable.");
    }

    private sealed class DecoratingTokenProvider(ITokenProvider inner) : ITokenProvider
    {
        public Task<KeyLease> AcquireAsync(KeyLeaseRequest request, CancellationToken cancellationToken) => inner.AcquireAsync(request, cancellationToken);

        public Task SettleAsync(KeyLease lease, TokenUsage usage, RecordedUsage recorded, CancellationToken cancellationToken) => inner.SettleAsync(lease, usage, recorded, cancellationToken);

        public Task ReleaseAsync(KeyLease lease, CancellationToken cancellationToken) => inner.ReleaseAsync(lease, cancellationToken);

        public Task ReportFailureAsync(KeyLease lease, InvoiceOcrException error, CancellationToken cancellationToken) => inner.ReportFailureAsync(lease, error, cancellationToken);
    }

    private sealed class RecordingJournalOutbox : IAttemptJournalOutbox
    {
        public List<AttemptJournalEntry> Kept { get; } = [];

        public ValueTask KeepAsync(AttemptJournalEntry attempt, CancellationToken cancellationToken)
        {
            lock (Kept)
            {
                Kept.Add(attempt);
            }

            return ValueTask.CompletedTask;
        }

        public ValueTask KeepEndingAsync(AttemptEnding ending, CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
