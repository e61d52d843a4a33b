using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.StoreContract;

/// <summary>
/// The semantics of <see cref="IOperationStore"/> every store backend must have: operation claims (duplicates refused or
/// answered from the store), the attempt journal, attempt endings written in one transaction (billed, not billed, outcome
/// unknown; replays change nothing), crash resolution and the outcome-unknown list. A backend derives from this class like
/// from <see cref="StoreContractTests"/>; its store's quota store must also be its operation store (one database).
/// </summary>
public abstract class OperationStoreContractTests
{
    /// <summary>02:00:20 Pacific (PST), 20 seconds into a UTC minute.</summary>
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 20, TimeSpan.Zero);

    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(10);

    private static readonly TimeSpan ClaimFor = TimeSpan.FromMinutes(5);

    protected FakeTimeProvider Clock { get; } = new(Start);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Creates a fresh, empty store whose clock is <paramref name="clock"/>.</summary>
    protected abstract Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock);

    /// <summary>Gets how many rounds the concurrent-claim test runs (a database backend may lower it).</summary>
    protected virtual int ConcurrencyRounds => 10;

    // ---- claims ----

    [Fact]
    public async Task ClaimOperationAsync_NewId_ClaimsItInProgress()
    {
        await using var s = await CreateStoreAsync(Clock);

        var claim = await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);

        Assert.Equal(OperationClaimStatus.Claimed, claim.Status);
        Assert.Equal("op-1", claim.Operation.OperationId);
        Assert.Equal("c-1", claim.Operation.CompanyId);
        Assert.Equal("sha-1", claim.Operation.DocumentSha256);
        Assert.Equal(OperationState.InProgress, claim.Operation.State);
        Assert.Equal(Start + ClaimFor, claim.Operation.ClaimedUntil);
        Assert.Equal(0, claim.Operation.AttemptCount);
        Assert.Equal(Start, claim.Operation.CreatedAt);
    }

    [Fact]
    public async Task ClaimOperationAsync_HeldByAnotherCall_ReturnsInProgress()
    {
        await using var s = await CreateStoreAsync(Clock);
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        Clock.Advance(ClaimFor - TimeSpan.FromSeconds(1));

        var second = await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);

        Assert.Equal(OperationClaimStatus.InProgress, second.Status);
        Assert.Equal(Start + ClaimFor, second.Operation.ClaimedUntil);
    }

    [Fact]
    public async Task ClaimOperationAsync_Succeeded_ReturnsCompletedWithStoredOutcome()
    {
        await using var s = await CreateStoreAsync(Clock);
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        Clock.Advance(TimeSpan.FromSeconds(3));
        await Ops(s).CompleteOperationAsync(new OperationCompletion("op-1", true, "{\"invoice\":42}", null), Ct);
        Clock.Advance(ClaimFor * 2);

        var again = await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);

        Assert.Equal(OperationClaimStatus.Completed, again.Status);
        Assert.Equal(OperationState.Succeeded, again.Operation.State);
        Assert.Equal("{\"invoice\":42}", again.Operation.OutcomeJson);
        Assert.Null(again.Operation.FailureKind);
        Assert.Equal(Start.AddSeconds(3), again.Operation.CompletedAt);
    }

    [Fact]
    public async Task ClaimOperationAsync_Failed_IsClaimedAgain()
    {
        await using var s = await CreateStoreAsync(Clock);
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        await Ops(s).CompleteOperationAsync(new OperationCompletion("op-1", false, null, InvoiceOcrErrorKind.RateLimitedPerMinute), Ct);

        var failed = await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", null, ClaimFor), Ct);

        Assert.Equal(OperationClaimStatus.Claimed, failed.Status);
        Assert.Equal(OperationState.InProgress, failed.Operation.State);
        Assert.Null(failed.Operation.FailureKind);
        Assert.Equal("sha-1", failed.Operation.DocumentSha256); // A claim without a hash keeps the stored one.
        Assert.Equal(OperationClaimStatus.InProgress, (await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct)).Status);
    }

    [Fact]
    public async Task CompleteOperationAsync_Failure_StoresItsKindUntilTheNextClaim()
    {
        await using var s = await CreateStoreAsync(Clock);
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);

        await Ops(s).CompleteOperationAsync(new OperationCompletion("op-1", false, null, InvoiceOcrErrorKind.QuotaExhausted), Ct);

        // A concurrent duplicate that lost reads the failed row before claiming it: the claim returns the row it took.
        var taken = await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        Assert.Equal(OperationClaimStatus.Claimed, taken.Status);
        Assert.NotNull(taken.Operation.CompletedAt);
    }

    [Fact]
    public async Task CompleteOperationAsync_AfterSuccess_ChangesNothing()
    {
        await using var s = await CreateStoreAsync(Clock);
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        await Ops(s).CompleteOperationAsync(new OperationCompletion("op-1", true, "first", null), Ct);

        await Ops(s).CompleteOperationAsync(new OperationCompletion("op-1", false, null, InvoiceOcrErrorKind.Timeout), Ct);
        await Ops(s).CompleteOperationAsync(new OperationCompletion("op-1", true, "second", null), Ct);

        var again = await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        Assert.Equal(OperationClaimStatus.Completed, again.Status);
        Assert.Equal("first", again.Operation.OutcomeJson);
    }

    [Fact]
    public async Task ClaimOperationAsync_LapsedClaim_IsTakenOver()
    {
        await using var s = await CreateStoreAsync(Clock);
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        await BeginAsync(s, "a-1", "op-1", 1, reservationId: null, estimate: 500);
        Clock.Advance(Ttl); // The claim and its attempt's expiry (the attempt holds the claim until then) have both passed.

        var taken = await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);

        Assert.Equal(OperationClaimStatus.Claimed, taken.Status);
        Assert.Equal(Start + Ttl + ClaimFor, taken.Operation.ClaimedUntil);
        Assert.Equal(Start, taken.Operation.CreatedAt);
        Assert.Equal(1, taken.Operation.AttemptCount); // The dead call's attempt still counts: the next one is number 2.
    }

    [Fact]
    public async Task ClaimOperationAsync_ClaimLapsedWhileItsAttemptHasNotExpired_ReturnsInProgressUntilTheAttemptExpires()
    {
        // The attempt's billed ending may wait in its process's outbox after the claim's own lifetime: until the attempt's
        // expiry (its reservation's), no other caller may take the operation over and call the model a second time.
        await using var s = await CreateStoreAsync(Clock);
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        await BeginAsync(s, "a-1", "op-1", 1, reservationId: null, estimate: 500);
        Clock.Advance(ClaimFor + TimeSpan.FromMinutes(1));

        var held = await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);

        Assert.Equal(OperationClaimStatus.InProgress, held.Status);
        Assert.Equal(Start + Ttl, held.Operation.ClaimedUntil);
        Assert.Equal(Start + Ttl, (await Ops(s).GetOperationAsync("op-1", Ct))!.ClaimedUntil);
        Clock.Advance(Start + Ttl - Clock.GetUtcNow());
        Assert.Equal(OperationClaimStatus.Claimed, (await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct)).Status);
    }

    [Fact]
    public async Task ReserveAsync_WithAClaimAndAJournalEntry_HoldsTheClaimUntilTheAttemptExpires()
    {
        await using var s = await CreateStoreAsync(Clock);
        await EnsureKeyAsync(s);

        var first = await s.Quotas.ReserveAsync(
            new QuotaReservationRequest("k-1", "c-1", 1_000, Ttl) { Journal = Journal("a-1", "op-1"), Claim = new OperationClaim("op-1", "c-1", "sha-1", ClaimFor) },
            Ct);
        Clock.Advance(Ttl - TimeSpan.FromSeconds(1));
        var second = await s.Quotas.ReserveAsync(
            new QuotaReservationRequest("k-1", "c-1", 1_000, Ttl) { Journal = Journal("a-2", "op-1"), Claim = new OperationClaim("op-1", "c-1", "sha-1", ClaimFor) },
            Ct);

        Assert.True(first.IsGranted);
        Assert.Equal(Start + Ttl, (await Ops(s).GetOperationAsync("op-1", Ct))!.ClaimedUntil);
        Assert.Equal(QuotaRejectionReason.OperationNotClaimed, second.Reason);
        Assert.Equal(OperationClaimStatus.InProgress, second.Claim!.Status);
    }

    [Fact]
    public async Task BeginAttemptAsync_OfACompletedOperation_LeavesItsClaimAlone()
    {
        await using var s = await CreateStoreAsync(Clock);
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        await Ops(s).CompleteOperationAsync(new OperationCompletion("op-1", false, null, InvoiceOcrErrorKind.Timeout), Ct);

        // A journal entry replayed from an outbox after its operation ended: a failed operation stays free to claim.
        await BeginAsync(s, "a-1", "op-1", 1, reservationId: null, estimate: 500);

        Assert.Equal(Start + ClaimFor, (await Ops(s).GetOperationAsync("op-1", Ct))!.ClaimedUntil);
        Assert.Equal(OperationClaimStatus.Claimed, (await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct)).Status);
    }

    [Fact]
    public async Task ClaimOperationAsync_ConcurrentClaimsOfOneId_ExactlyOneWins()
    {
        // The SQL stores open one connection per call, so these claims race on separate connections (and transactions).
        for (var round = 0; round < ConcurrencyRounds; round++)
        {
            await using var s = await CreateStoreAsync(new FakeTimeProvider(Start));
            var id = "op-race-" + round;
            using var go = new ManualResetEventSlim();
            var claims = Enumerable.Range(0, 8)
                .Select(_ => Task.Run(
                    () =>
                    {
                        go.Wait(Ct);
                        return Ops(s).ClaimOperationAsync(new OperationClaim(id, "c-1", "sha-1", ClaimFor), Ct);
                    },
                    Ct))
                .ToArray();
            go.Set();
            var results = await Task.WhenAll(claims);

            Assert.Single(results, r => r.Status == OperationClaimStatus.Claimed);
            Assert.All(results.Where(r => r.Status != OperationClaimStatus.Claimed), r => Assert.Equal(OperationClaimStatus.InProgress, r.Status));
        }
    }

    [Fact]
    public async Task ClaimOperationAsync_ConcurrentTakeOversOfAFailedOperation_ExactlyOneWins()
    {
        for (var round = 0; round < ConcurrencyRounds; round++)
        {
            await using var s = await CreateStoreAsync(new FakeTimeProvider(Start));
            await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
            await Ops(s).CompleteOperationAsync(new OperationCompletion("op-1", false, null, InvoiceOcrErrorKind.Timeout), Ct);
            using var go = new ManualResetEventSlim();
            var claims = Enumerable.Range(0, 8)
                .Select(_ => Task.Run(
                    () =>
                    {
                        go.Wait(Ct);
                        return Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
                    },
                    Ct))
                .ToArray();
            go.Set();
            var results = await Task.WhenAll(claims);

            Assert.Single(results, r => r.Status == OperationClaimStatus.Claimed);
        }
    }

    // ---- the attempt journal ----

    [Fact]
    public async Task BeginAttemptAsync_NewAttempts_RaiseTheOperationsAttemptCountAndAReplayChangesNothing()
    {
        await using var s = await CreateStoreAsync(Clock);
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);

        await BeginAsync(s, "a-1", "op-1", 1, null, 100);
        await BeginAsync(s, "a-2", "op-1", 2, null, 100);
        await BeginAsync(s, "a-1", "op-1", 1, null, 100);
        await Ops(s).CompleteOperationAsync(new OperationCompletion("op-1", false, null, InvoiceOcrErrorKind.Timeout), Ct);

        var again = await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        Assert.Equal(2, again.Operation.AttemptCount);
    }

    [Fact]
    public async Task ReserveAsync_WithAJournalEntry_JournalsTheAttemptWithTheReservationInOneWrite()
    {
        await using var s = await CreateStoreAsync(Clock);
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        _ = await ReserveAsync(s, 10);
        var journal = new AttemptJournalEntry
        {
            AttemptId = "a-1",
            OperationId = "op-1",
            CompanyId = "c-1",
            KeyId = string.Empty,
            EstimatedTokens = 5,
            AttemptNumber = 1,
            StartedAt = Clock.GetUtcNow(),
            ExpiresAt = Clock.GetUtcNow() + Ttl,
        };

        var result = await s.Quotas.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 1_000, Ttl) { Journal = journal }, Ct);
        Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.True(result.Reservation!.AttemptJournaled);
        var unknown = Assert.Single(await Ops(s).ResolveInFlightAttemptsAsync(Clock.GetUtcNow(), Ct));
        Assert.Equal(("a-1", "k-1", "p-1", 1_000L), (unknown.AttemptId, unknown.KeyId, unknown.ProjectId, unknown.ChargedTokens));
        Assert.Equal((1_000L, 10L), ((await s.Keys.GetAsync("k-1", Ct))!.TokensUsed, (await s.Keys.GetAsync("k-1", Ct))!.TokensReserved));
        await Ops(s).CompleteOperationAsync(new OperationCompletion("op-1", false, null, InvoiceOcrErrorKind.Timeout), Ct);
        Assert.Equal(1, (await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct)).Operation.AttemptCount);
    }

    // ---- the claim made with the call's first reservation ----

    [Fact]
    public async Task GetOperationAsync_UnknownThenClaimed_ReadsNothingThenTheRowWithoutClaiming()
    {
        await using var s = await CreateStoreAsync(Clock);

        Assert.Null(await Ops(s).GetOperationAsync("op-1", Ct));
        Assert.Null(await Ops(s).GetOperationAsync("op-1", Ct));
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);

        var row = await Ops(s).GetOperationAsync("op-1", Ct);
        Assert.Equal(("op-1", "c-1", "sha-1", OperationState.InProgress), (row!.OperationId, row.CompanyId, row.DocumentSha256, row.State));
    }

    [Fact]
    public async Task ReserveAsync_WithAClaimOfANewOperation_ClaimsItReservesAndJournalsTheFirstAttemptInOneWrite()
    {
        await using var s = await CreateStoreAsync(Clock);
        await EnsureKeyAsync(s);

        var result = await s.Quotas.ReserveAsync(
            new QuotaReservationRequest("k-1", "c-1", 1_000, Ttl) { Journal = Journal("a-1", "op-1"), Claim = new OperationClaim("op-1", "c-1", "sha-1", ClaimFor) },
            Ct);
        Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.True(result.IsGranted);
        Assert.True(result.Reservation!.AttemptJournaled);
        Assert.Equal((OperationClaimStatus.Claimed, 0), (result.Claim!.Status, result.Claim.Operation.AttemptCount));
        Assert.Equal(OperationState.InProgress, (await Ops(s).GetOperationAsync("op-1", Ct))!.State);
        Assert.Equal(OperationClaimStatus.InProgress, (await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct)).Status);
        var unknown = Assert.Single(await Ops(s).ResolveInFlightAttemptsAsync(Clock.GetUtcNow(), Ct));
        Assert.Equal(("a-1", "op-1", 1), (unknown.AttemptId, unknown.OperationId, unknown.AttemptNumber));
    }

    [Fact]
    public async Task ReserveAsync_WithAClaimHeldByAnotherCall_ReservesJournalsAndClaimsNothing()
    {
        await using var s = await CreateStoreAsync(Clock);
        await EnsureKeyAsync(s);
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        var before = await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct);

        var result = await s.Quotas.ReserveAsync(
            new QuotaReservationRequest("k-1", "c-1", 1_000, Ttl) { Journal = Journal("a-1", "op-1"), Claim = new OperationClaim("op-1", "c-1", "sha-1", ClaimFor) },
            Ct);

        Assert.False(result.IsGranted);
        Assert.Equal((QuotaRejectionReason.OperationNotClaimed, OperationClaimStatus.InProgress), (result.Reason, result.Claim!.Status));
        Assert.Equal(0, (await s.Keys.GetAsync("k-1", Ct))!.TokensReserved);
        var after = await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct);
        Assert.Equal((before.MinuteRequests, before.DayRequests), (after.MinuteRequests, after.DayRequests));
        Assert.Empty(await Ops(s).ResolveInFlightAttemptsAsync(Clock.GetUtcNow().AddHours(1), Ct));
    }

    [Fact]
    public async Task ReserveAsync_WithAClaimOfASucceededOperation_ReturnsItsStoredOutcomeAndReservesNothing()
    {
        await using var s = await CreateStoreAsync(Clock);
        await EnsureKeyAsync(s);
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        await Ops(s).CompleteOperationAsync(new OperationCompletion("op-1", true, "{\"n\":1}", null), Ct);

        var result = await s.Quotas.ReserveAsync(
            new QuotaReservationRequest("k-1", "c-1", 1_000, Ttl) { Claim = new OperationClaim("op-1", "c-1", "sha-1", ClaimFor) },
            Ct);

        Assert.Equal((QuotaRejectionReason.OperationNotClaimed, OperationClaimStatus.Completed), (result.Reason, result.Claim!.Status));
        Assert.Equal("{\"n\":1}", result.Claim.Operation.OutcomeJson);
        Assert.Equal(0, (await s.Keys.GetAsync("k-1", Ct))!.TokensReserved);
    }

    [Fact]
    public async Task ReserveAsync_WithAClaimOfAFailedOperation_TakesItOverAndNumbersTheAttemptAfterTheEarlierOnes()
    {
        await using var s = await CreateStoreAsync(Clock);
        await EnsureKeyAsync(s);
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        await BeginAsync(s, "a-1", "op-1", 1, null, 100);
        await BeginAsync(s, "a-2", "op-1", 2, null, 100);
        await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.NotBilled), Ct);
        await Ops(s).EndAttemptAsync(new AttemptEnding("a-2", AttemptResult.NotBilled), Ct);
        await Ops(s).CompleteOperationAsync(new OperationCompletion("op-1", false, null, InvoiceOcrErrorKind.Timeout), Ct);

        var result = await s.Quotas.ReserveAsync(
            new QuotaReservationRequest("k-1", "c-1", 1_000, Ttl) { Journal = Journal("a-3", "op-1"), Claim = new OperationClaim("op-1", "c-1", "sha-1", ClaimFor) },
            Ct);
        Clock.Advance(TimeSpan.FromSeconds(1));

        Assert.True(result.IsGranted);
        Assert.Equal((OperationClaimStatus.Claimed, 2), (result.Claim!.Status, result.Claim.Operation.AttemptCount));
        var unknown = Assert.Single(await Ops(s).ResolveInFlightAttemptsAsync(Clock.GetUtcNow(), Ct));
        Assert.Equal(("a-3", 3), (unknown.AttemptId, unknown.AttemptNumber));
    }

    [Fact]
    public async Task ReserveAsync_RefusedWithAClaim_ClaimsNothing()
    {
        await using var s = await CreateStoreAsync(Clock);
        await EnsureKeyAsync(s, lifetimeLimit: 500);

        var result = await s.Quotas.ReserveAsync(
            new QuotaReservationRequest("k-1", "c-1", 1_000, Ttl) { Journal = Journal("a-1", "op-1"), Claim = new OperationClaim("op-1", "c-1", "sha-1", ClaimFor) },
            Ct);

        Assert.Equal(QuotaRejectionReason.LifetimeHeadroomInsufficient, result.Reason);
        Assert.Null(result.Claim);
        Assert.Null(await Ops(s).GetOperationAsync("op-1", Ct));
        Assert.Empty(await Ops(s).ResolveInFlightAttemptsAsync(Clock.GetUtcNow().AddHours(1), Ct));
    }

    [Fact]
    public async Task ReserveAsync_ConcurrentClaimsOfOneOperation_ExactlyOneReserves()
    {
        // Each reservation is one transaction on its own connection in the SQL stores: the claims race inside them.
        for (var round = 0; round < ConcurrencyRounds; round++)
        {
            await using var s = await CreateStoreAsync(new FakeTimeProvider(Start));
            await EnsureKeyAsync(s);
            var id = "op-race-" + round;
            using var go = new ManualResetEventSlim();
            var reservations = Enumerable.Range(0, 8)
                .Select(i => Task.Run(
                    () =>
                    {
                        go.Wait(Ct);
                        return s.Quotas.ReserveAsync(
                            new QuotaReservationRequest("k-1", "c-1", 1_000, Ttl) { Journal = Journal("a-" + i, id), Claim = new OperationClaim(id, "c-1", "sha-1", ClaimFor) },
                            Ct);
                    },
                    Ct))
                .ToArray();
            go.Set();
            var results = await Task.WhenAll(reservations);

            var won = Assert.Single(results, r => r.IsGranted);
            Assert.Equal(OperationClaimStatus.Claimed, won.Claim!.Status);
            Assert.All(results.Where(r => !r.IsGranted), r => Assert.Equal((QuotaRejectionReason.OperationNotClaimed, OperationClaimStatus.InProgress), (r.Reason, r.Claim!.Status)));
            Assert.Equal(1_000, (await s.Keys.GetAsync("k-1", Ct))!.TokensReserved);
        }
    }

    [Fact]
    public async Task EndAttemptAsync_Billed_AppendsLedgerRowSettlesAndCompletesTheAttempt()
    {
        await using var s = await CreateStoreAsync(Clock);
        var reservation = await ReserveAsync(s, 1_000);
        await BeginAsync(s, "a-1", "op-1", 1, reservation.Id, reservation.Tokens);

        var settlement = await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.Billed, Usage("a-1", "op-1", 700)), Ct);

        Assert.NotNull(settlement);
        Assert.Equal(reservation.Id, settlement.ReservationId);
        Assert.Equal(700, settlement.ActualTokens);
        Assert.Equal(700, settlement.TokensUsed);
        var key = (await s.Keys.GetAsync("k-1", Ct))!;
        Assert.Equal((700L, 0L), (key.TokensUsed, key.TokensReserved));
        Assert.Equal((660L, 700L), ((await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).MinuteTokens, (await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).DayTokens));
        var row = await s.Ledger.GetAsync("a-1", Ct);
        Assert.NotNull(row);
        Assert.Equal(700, row.TotalTokens);
        Assert.Empty(await Ops(s).ListUnknownOutcomeAttemptsAsync(null, Ct));

        // Completed: neither a crash resolution nor a second ending touches it again.
        Clock.Advance(Ttl * 2);
        Assert.Empty(await Ops(s).ResolveInFlightAttemptsAsync(Clock.GetUtcNow(), Ct));
        Assert.Equal(0, await s.Quotas.ReclaimExpiredReservationsAsync(Ct));
        Assert.Equal(700, (await s.Keys.GetAsync("k-1", Ct))!.TokensUsed);
    }

    [Fact]
    public async Task EndAttemptAsync_BilledReplayed_ChangesNothing()
    {
        await using var s = await CreateStoreAsync(Clock);
        var reservation = await ReserveAsync(s, 1_000);
        await BeginAsync(s, "a-1", "op-1", 1, reservation.Id, reservation.Tokens);
        var ending = new AttemptEnding("a-1", AttemptResult.Billed, Usage("a-1", "op-1", 700));
        await Ops(s).EndAttemptAsync(ending, Ct);

        var replay = await Ops(s).EndAttemptAsync(ending, Ct);

        Assert.Null(replay);
        Assert.Equal(700, (await s.Keys.GetAsync("k-1", Ct))!.TokensUsed);
        Assert.Equal((660L, 700L), ((await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).MinuteTokens, (await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).DayTokens));
        Assert.Single(await s.Ledger.ListAsync(new UsageQuery("c-1"), Ct));
    }

    [Fact]
    public async Task EndAttemptAsync_DistinctAttemptsOfOneOperation_EachGetsItsOwnLedgerRow()
    {
        await using var s = await CreateStoreAsync(Clock);
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        var first = await ReserveAsync(s, 1_000);
        await BeginAsync(s, "a-1", "op-1", 1, first.Id, first.Tokens);
        var second = await ReserveAsync(s, 1_000);
        await BeginAsync(s, "a-2", "op-1", 2, second.Id, second.Tokens);

        await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.Billed, Usage("a-1", "op-1", 300, attempt: 1)), Ct);
        await Ops(s).EndAttemptAsync(new AttemptEnding("a-2", AttemptResult.Billed, Usage("a-2", "op-1", 400, attempt: 2)), Ct);

        var rows = await s.Ledger.ListAsync(new UsageQuery("c-1"), Ct);
        Assert.Equal(["a-1", "a-2"], rows.Select(r => r.Id).Order(StringComparer.Ordinal));
        Assert.Equal(700, rows.Sum(r => r.TotalTokens));
        var key = (await s.Keys.GetAsync("k-1", Ct))!;
        Assert.Equal((700L, 0L), (key.TokensUsed, key.TokensReserved));
    }

    [Fact]
    public async Task EndAttemptAsync_NotBilled_ReleasesTheReservation()
    {
        await using var s = await CreateStoreAsync(Clock);
        var reservation = await ReserveAsync(s, 1_000);
        await BeginAsync(s, "a-1", "op-1", 1, reservation.Id, reservation.Tokens);

        var settlement = await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.NotBilled), Ct);

        Assert.Null(settlement);
        var key = (await s.Keys.GetAsync("k-1", Ct))!;
        Assert.Equal((0L, 0L), (key.TokensUsed, key.TokensReserved));
        Assert.Equal(0, (await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).MinuteTokens);
        Assert.Empty(await s.Ledger.ListAsync(new UsageQuery("c-1"), Ct));
        Assert.Empty(await Ops(s).ListUnknownOutcomeAttemptsAsync(null, Ct));
        Clock.Advance(Ttl * 2);
        Assert.Empty(await Ops(s).ResolveInFlightAttemptsAsync(null, Ct));
    }

    [Fact]
    public async Task EndAttemptAsync_OutcomeUnknown_ChargesTheEstimateAndListsIt()
    {
        await using var s = await CreateStoreAsync(Clock);
        var reservation = await ReserveAsync(s, 1_000);
        await BeginAsync(s, "a-1", "op-1", 1, reservation.Id, reservation.Tokens);
        Clock.Advance(TimeSpan.FromSeconds(2));

        var settlement = await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.OutcomeUnknown), Ct);
        var replay = await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.OutcomeUnknown), Ct);

        Assert.NotNull(settlement);
        Assert.Equal(1_000, settlement.ActualTokens);
        Assert.Null(replay);
        var key = (await s.Keys.GetAsync("k-1", Ct))!;
        Assert.Equal((1_000L, 0L), (key.TokensUsed, key.TokensReserved));
        var unknown = Assert.Single(await Ops(s).ListUnknownOutcomeAttemptsAsync("c-1", Ct));
        Assert.Equal("a-1", unknown.AttemptId);
        Assert.Equal("op-1", unknown.OperationId);
        Assert.Equal(1, unknown.AttemptNumber);
        Assert.Equal("c-1", unknown.CompanyId);
        Assert.Equal("k-1", unknown.KeyId);
        Assert.Equal("p-1", unknown.ProjectId);
        Assert.Equal(1_000, unknown.ChargedTokens);
        Assert.Equal(Start, unknown.StartedAt);
        Assert.Equal(Start.AddSeconds(2), unknown.ResolvedAt);
        Assert.Empty(await s.Ledger.ListAsync(new UsageQuery("c-1"), Ct));
    }

    [Fact]
    public async Task EndAttemptAsync_BilledAfterOutcomeUnknown_CorrectsTheChargeAndUnlistsIt()
    {
        await using var s = await CreateStoreAsync(Clock);
        var reservation = await ReserveAsync(s, 1_000);
        await BeginAsync(s, "a-1", "op-1", 1, reservation.Id, reservation.Tokens);
        await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.OutcomeUnknown), Ct);

        var late = await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.Billed, Usage("a-1", "op-1", 640)), Ct);
        var replay = await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.Billed, Usage("a-1", "op-1", 640)), Ct);

        Assert.Null(late);
        Assert.Null(replay);
        Assert.Equal(640, (await s.Keys.GetAsync("k-1", Ct))!.TokensUsed);
        Assert.Empty(await Ops(s).ListUnknownOutcomeAttemptsAsync(null, Ct));
        Assert.Equal(640, Assert.Single(await s.Ledger.ListAsync(new UsageQuery("c-1"), Ct)).TotalTokens);
    }

    [Fact]
    public async Task EndAttemptAsync_BilledAfterItsReservationWasReclaimed_CorrectsTheCharge()
    {
        await using var s = await CreateStoreAsync(Clock);
        var reservation = await ReserveAsync(s, 1_000);
        await BeginAsync(s, "a-1", "op-1", 1, reservation.Id, reservation.Tokens);
        Clock.Advance(Ttl);
        Assert.Equal(1, await s.Quotas.ReclaimExpiredReservationsAsync(Ct));

        await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.Billed, Usage("a-1", "op-1", 1_300)), Ct);

        var key = (await s.Keys.GetAsync("k-1", Ct))!;
        Assert.Equal((1_300L, 0L), (key.TokensUsed, key.TokensReserved));
        Assert.Empty(await Ops(s).ListUnknownOutcomeAttemptsAsync(null, Ct));
        Assert.Single(await s.Ledger.ListAsync(new UsageQuery("c-1"), Ct));
    }

    [Fact]
    public async Task EndAttemptAsync_BilledAfterOutcomeUnknown_CorrectsTheMinuteWindowToTheBilledInputTokens()
    {
        // The attempt journaled with its reservation holds the reservation's input estimate in the minute slots; charged at its
        // estimate, then billed (a record replayed from an outbox): every counter ends at what was billed.
        await using var s = await CreateStoreAsync(Clock);
        await EnsureKeyAsync(s);
        var granted = await s.Quotas.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 1_000, Ttl) { Journal = Journal("a-1", "op-1"), InputTokens = 400 }, Ct);
        Assert.True(granted.IsGranted);
        Clock.Advance(TimeSpan.FromSeconds(2));
        await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.OutcomeUnknown), Ct);
        await AssertCountersAsync(s, used: 1_000, minuteTokens: 400, dayTokens: 1_000);

        var billed = Usage("a-1", "op-1", 640);
        await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.Billed, billed), Ct);
        await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.Billed, billed), Ct);

        await AssertCountersAsync(s, used: billed.TotalTokens, minuteTokens: billed.InputTokens, dayTokens: billed.TotalTokens);
        Assert.Empty(await Ops(s).ListUnknownOutcomeAttemptsAsync(null, Ct));
    }

    [Fact]
    public async Task EndAttemptAsync_BilledAfterAnUnreservedAttemptWasResolvedUnknown_ChargedItsInputEstimateToTheMinuteAndCorrectsIt()
    {
        // A fallback key's attempt (no reservation) resolved as outcome-unknown: the minute slots get its input estimate, as a
        // reservation's would, and its late billed record corrects them to the billed input tokens.
        await using var s = await CreateStoreAsync(Clock);
        await EnsureKeyAsync(s);
        await BeginAsync(s, "a-1", "op-1", 1, reservationId: null, estimate: 1_000, inputEstimate: 300);
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Single(await Ops(s).ResolveInFlightAttemptsAsync(Clock.GetUtcNow(), Ct));
        await AssertCountersAsync(s, used: 1_000, minuteTokens: 300, dayTokens: 1_000);

        var billed = Usage("a-1", "op-1", 640);
        await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.Billed, billed), Ct);

        await AssertCountersAsync(s, used: billed.TotalTokens, minuteTokens: billed.InputTokens, dayTokens: billed.TotalTokens);
    }

    [Fact]
    public async Task EndAttemptAsync_BilledAfterOutcomeUnknownWithoutAnInputEstimate_KeepsTheMinuteSlotAsCharged()
    {
        // An entry journaled before stores kept the input estimate: what its minute slot holds is not known, so it is left.
        await using var s = await CreateStoreAsync(Clock);
        await EnsureKeyAsync(s);
        var reservation = (await s.Quotas.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 1_000, Ttl) { InputTokens = 400 }, Ct)).Reservation!;
        await BeginAsync(s, "a-1", "op-1", 1, reservation.Id, reservation.Tokens);
        await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.OutcomeUnknown), Ct);

        await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.Billed, Usage("a-1", "op-1", 640)), Ct);

        await AssertCountersAsync(s, used: 640, minuteTokens: 400, dayTokens: 640);
    }

    [Fact]
    public async Task EndAttemptAsync_BilledAfterItsReservationWasSettledByTheLeaseOwner_AddsOnlyTheLedgerRow()
    {
        // The outbox path: the ledger row could not be written, the token provider settled the lease, the row is replayed.
        await using var s = await CreateStoreAsync(Clock);
        var reservation = await ReserveAsync(s, 1_000);
        await BeginAsync(s, "a-1", "op-1", 1, reservation.Id, reservation.Tokens);
        await s.Quotas.SettleAsync(reservation.Id, 700, Ct);

        var replayed = await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.Billed, Usage("a-1", "op-1", 700)), Ct);

        Assert.Null(replayed);
        Assert.Equal(700, (await s.Keys.GetAsync("k-1", Ct))!.TokensUsed);
        Assert.Single(await s.Ledger.ListAsync(new UsageQuery("c-1"), Ct));
        Clock.Advance(Ttl * 2);
        Assert.Empty(await Ops(s).ResolveInFlightAttemptsAsync(null, Ct));
    }

    [Fact]
    public async Task EndAttemptAsync_BilledWithTheOperationsOutcome_CompletesTheOperationInTheSameEnding()
    {
        await using var s = await CreateStoreAsync(Clock);
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        var reservation = await ReserveAsync(s, 1_000);
        await BeginAsync(s, "a-1", "op-1", 1, reservation.Id, reservation.Tokens);

        await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.Billed, Usage("a-1", "op-1", 700) with { OperationOutcomeJson = "{\"invoice\":7}" }), Ct);
        Clock.Advance(ClaimFor * 2);

        // Past the claim: a restarted caller is answered from the store, never billed again.
        var again = await Ops(s).ClaimOperationAsync(new OperationClaim("op-1", "c-1", "sha-1", ClaimFor), Ct);
        Assert.Equal(OperationClaimStatus.Completed, again.Status);
        Assert.Equal("{\"invoice\":7}", again.Operation.OutcomeJson);
    }

    [Fact]
    public async Task EndAttemptAsync_NeverJournaledWithTheOperationsOutcome_CompletesTheOperation()
    {
        // The record was replayed from the outbox: the operation is completed with it.
        await using var s = await CreateStoreAsync(Clock);
        await Ops(s).ClaimOperationAsync(new OperationClaim("op-9", "c-1", null, ClaimFor), Ct);
        _ = await ReserveAsync(s, 100);

        await Ops(s).EndAttemptAsync(new AttemptEnding("a-9", AttemptResult.Billed, Usage("a-9", "op-9", 500) with { OperationOutcomeJson = "{}" }), Ct);

        var again = await Ops(s).ClaimOperationAsync(new OperationClaim("op-9", "c-1", null, ClaimFor), Ct);
        Assert.Equal(OperationClaimStatus.Completed, again.Status);
    }

    [Fact]
    public async Task EndAttemptAsync_NeverJournaledWithItsReservation_SettlesItOnceAndTheLaterJournalReplayChangesNothing()
    {
        // The journal entry still waits in a local outbox when the billed record reaches the store.
        await using var s = await CreateStoreAsync(Clock);
        var reservation = await ReserveAsync(s, 1_000);
        var record = Usage("a-9", "op-9", 500) with { ReservationId = reservation.Id };

        var settlement = await Ops(s).EndAttemptAsync(new AttemptEnding("a-9", AttemptResult.Billed, record), Ct);
        var replay = await Ops(s).EndAttemptAsync(new AttemptEnding("a-9", AttemptResult.Billed, record), Ct);
        await BeginAsync(s, "a-9", "op-9", 1, reservation.Id, reservation.Tokens);

        Assert.Equal((reservation.Id, 500L), (settlement?.ReservationId, settlement?.ActualTokens));
        Assert.Null(replay);
        Assert.NotNull(await s.Ledger.GetAsync("a-9", Ct));
        var key = (await s.Keys.GetAsync("k-1", Ct))!;
        Assert.Equal((500L, 0L), (key.TokensUsed, key.TokensReserved));
        Assert.Equal(500, (await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).DayTokens);
        Clock.Advance(Ttl * 2);
        Assert.Empty(await Ops(s).ResolveInFlightAttemptsAsync(Clock.GetUtcNow(), Ct));
        Assert.Equal(500, (await s.Keys.GetAsync("k-1", Ct))!.TokensUsed);
        Assert.Null(await Ops(s).EndAttemptAsync(new AttemptEnding("a-8", AttemptResult.NotBilled), Ct));
    }

    [Fact]
    public async Task EndAttemptAsync_NeverJournaledWithoutAReservation_AddsItsTokensToTheKeyAndItsWindowsOnce()
    {
        // A fallback key while the store was down: no reservation, the record replayed from the outbox.
        await using var s = await CreateStoreAsync(Clock);
        _ = await ReserveAsync(s, 100);
        var record = Usage("a-9", "op-9", 500);

        var settlement = await Ops(s).EndAttemptAsync(new AttemptEnding("a-9", AttemptResult.Billed, record), Ct);
        Assert.Null(await Ops(s).EndAttemptAsync(new AttemptEnding("a-9", AttemptResult.Billed, record), Ct));
        await BeginAsync(s, "a-9", "op-9", 1, null, 1_000);

        Assert.Equal(500, settlement?.ActualTokens);
        var key = (await s.Keys.GetAsync("k-1", Ct))!;
        Assert.Equal((500L, 100L), (key.TokensUsed, key.TokensReserved));
        var window = await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct);
        Assert.Equal((2L, 600L), (window.DayRequests, window.DayTokens));
        Assert.Equal(100 + 460, window.MinuteTokens); // the reservation's estimate and the record's prompt tokens
        Assert.Equal(600, (await s.Quotas.GetWindowUsageAsync(QuotaScope.Project, "p-1", Ct)).DayTokens);
        Assert.Single(await s.Ledger.ListAsync(new UsageQuery("c-1"), Ct));
        Clock.Advance(Ttl * 2);
        Assert.Empty(await Ops(s).ResolveInFlightAttemptsAsync(Clock.GetUtcNow(), Ct));
        Assert.Equal(500, (await s.Keys.GetAsync("k-1", Ct))!.TokensUsed);
    }

    [Fact]
    public async Task EndAttemptAsync_JournaledWithoutAReservationThenBilled_AddsItsTokensToTheKey()
    {
        await using var s = await CreateStoreAsync(Clock);
        _ = await ReserveAsync(s, 100);
        await BeginAsync(s, "a-1", "op-1", 1, null, 1_000);

        var settlement = await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.Billed, Usage("a-1", "op-1", 700)), Ct);
        Assert.Null(await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.Billed, Usage("a-1", "op-1", 700)), Ct));

        Assert.Equal(700, settlement?.TokensUsed);
        Assert.Equal(700, (await s.Keys.GetAsync("k-1", Ct))!.TokensUsed);
        Assert.Equal(800, (await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).DayTokens);
    }

    [Fact]
    public async Task ResolveInFlightAttemptsAsync_AttemptWithoutAReservation_ChargesItsEstimateToTheKeyAndALateBillCorrectsIt()
    {
        // An attempt journaled in the local outbox while the store was down, replayed without an ending: outcome unknown.
        await using var s = await CreateStoreAsync(Clock);
        _ = await ReserveAsync(s, 100);
        await BeginAsync(s, "a-1", "op-1", 1, null, 1_000);
        Clock.Advance(TimeSpan.FromSeconds(1));

        var unknown = Assert.Single(await Ops(s).ResolveInFlightAttemptsAsync(Clock.GetUtcNow(), Ct));

        Assert.Equal(("a-1", 1_000L), (unknown.AttemptId, unknown.ChargedTokens));
        Assert.Equal(1_000, (await s.Keys.GetAsync("k-1", Ct))!.TokensUsed);
        Assert.Equal(1_100, (await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).DayTokens);

        await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.Billed, Usage("a-1", "op-1", 640)), Ct);

        Assert.Equal(640, (await s.Keys.GetAsync("k-1", Ct))!.TokensUsed);
        Assert.Equal(740, (await s.Quotas.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).DayTokens);
        Assert.Empty(await Ops(s).ListUnknownOutcomeAttemptsAsync(null, Ct));
    }

    [Fact]
    public async Task ReclaimExpiredReservationsAsync_JournaledAttempt_ChargesTheEstimateAndListsItAsUnknown()
    {
        await using var s = await CreateStoreAsync(Clock);
        var reservation = await ReserveAsync(s, 1_000);
        await BeginAsync(s, "a-1", "op-1", 1, reservation.Id, reservation.Tokens);
        Clock.Advance(Ttl);

        Assert.Equal(1, await s.Quotas.ReclaimExpiredReservationsAsync(Ct));
        _ = await Ops(s).ResolveInFlightAttemptsAsync(null, Ct);

        var key = (await s.Keys.GetAsync("k-1", Ct))!;
        Assert.Equal((1_000L, 0L), (key.TokensUsed, key.TokensReserved));
        var unknown = Assert.Single(await Ops(s).ListUnknownOutcomeAttemptsAsync("c-1", Ct));
        Assert.Equal(("a-1", 1_000L), (unknown.AttemptId, unknown.ChargedTokens));
    }

    // ---- crash resolution ----

    [Fact]
    public async Task ResolveInFlightAttemptsAsync_StartedBefore_ResolvesOnlyOlderAttemptsAndChargesTheirEstimates()
    {
        await using var s = await CreateStoreAsync(Clock);
        var old = await ReserveAsync(s, 800);
        await BeginAsync(s, "a-old", "op-1", 1, old.Id, old.Tokens);
        Clock.Advance(TimeSpan.FromSeconds(5));
        var restart = Clock.GetUtcNow();
        var fresh = await ReserveAsync(s, 300);
        await BeginAsync(s, "a-new", "op-2", 1, fresh.Id, fresh.Tokens);

        var resolved = await Ops(s).ResolveInFlightAttemptsAsync(restart, Ct);
        var again = await Ops(s).ResolveInFlightAttemptsAsync(restart, Ct);

        var only = Assert.Single(resolved);
        Assert.Equal(("a-old", "op-1", "k-1", 800L), (only.AttemptId, only.OperationId, only.KeyId, only.ChargedTokens));
        Assert.Empty(again);
        var key = (await s.Keys.GetAsync("k-1", Ct))!;
        Assert.Equal((800L, 300L), (key.TokensUsed, key.TokensReserved));
        Assert.Equal(["a-old"], (await Ops(s).ListUnknownOutcomeAttemptsAsync(null, Ct)).Select(u => u.AttemptId));

        // The fresh attempt is still live: its own ending settles it.
        Assert.NotNull(await Ops(s).EndAttemptAsync(new AttemptEnding("a-new", AttemptResult.Billed, Usage("a-new", "op-2", 250)), Ct));
    }

    [Fact]
    public async Task ResolveInFlightAttemptsAsync_WithoutAnInstant_ResolvesOnlyExpiredAttempts()
    {
        await using var s = await CreateStoreAsync(Clock);
        await BeginAsync(s, "a-1", "op-1", 1, null, 400);
        Clock.Advance(Ttl - TimeSpan.FromSeconds(1));
        await BeginAsync(s, "a-2", "op-2", 1, null, 400);

        Assert.Empty(await Ops(s).ResolveInFlightAttemptsAsync(null, Ct));
        Clock.Advance(TimeSpan.FromSeconds(1));
        var resolved = await Ops(s).ResolveInFlightAttemptsAsync(null, Ct);

        Assert.Equal(["a-1"], resolved.Select(u => u.AttemptId));
        Assert.Equal(Clock.GetUtcNow(), resolved[0].ResolvedAt);
    }

    [Fact]
    public async Task ListUnknownOutcomeAttemptsAsync_ManyCompanies_FiltersByCompanyOldestFirst()
    {
        await using var s = await CreateStoreAsync(Clock);
        await BeginAsync(s, "a-1", "op-1", 1, null, 100, company: "c-1");
        await BeginAsync(s, "a-2", "op-2", 1, null, 200, company: "c-2");
        await BeginAsync(s, "a-3", "op-3", 1, null, 300, company: "c-1");
        await Ops(s).EndAttemptAsync(new AttemptEnding("a-3", AttemptResult.OutcomeUnknown), Ct);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Ops(s).EndAttemptAsync(new AttemptEnding("a-2", AttemptResult.OutcomeUnknown), Ct);
        Clock.Advance(TimeSpan.FromSeconds(1));
        await Ops(s).EndAttemptAsync(new AttemptEnding("a-1", AttemptResult.OutcomeUnknown), Ct);

        Assert.Equal(["a-3", "a-1"], (await Ops(s).ListUnknownOutcomeAttemptsAsync("c-1", Ct)).Select(u => u.AttemptId));
        Assert.Equal(["a-2"], (await Ops(s).ListUnknownOutcomeAttemptsAsync("c-2", Ct)).Select(u => u.AttemptId));
        Assert.Equal(["a-3", "a-2", "a-1"], (await Ops(s).ListUnknownOutcomeAttemptsAsync(null, Ct)).Select(u => u.AttemptId));
        Assert.Empty(await Ops(s).ListUnknownOutcomeAttemptsAsync("c-9", Ct));
    }

    // ---- helpers ----

    private static IOperationStore Ops(StoreUnderTest s) =>
        s.Quotas as IOperationStore ?? throw new InvalidOperationException("The store under test does not implement IOperationStore.");

    private static async Task EnsureKeyAsync(StoreUnderTest s, long? lifetimeLimit = null)
    {
        if (await s.Keys.GetAsync("k-1", Ct) is null)
        {
            await s.Keys.AddAsync(
                new ApiKey
                {
                    Id = "k-1",
                    CompanyId = "c-1",
                    CompanyName = "Company c-1",
                    ProjectId = "p-1",
                    Secret = "test-key-k-1-secret-0000",
                    AllowedModels = ["gemini-2.5-flash"],
                    LifetimeTokenLimit = lifetimeLimit,
                },
                Ct);
        }
    }

    private AttemptJournalEntry Journal(string attemptId, string operationId) => new()
    {
        AttemptId = attemptId,
        OperationId = operationId,
        CompanyId = "c-1",
        KeyId = string.Empty,
        EstimatedTokens = 5,
        AttemptNumber = 1,
        StartedAt = Clock.GetUtcNow(),
        ExpiresAt = Clock.GetUtcNow() + Ttl,
    };

    private async Task<QuotaReservation> ReserveAsync(StoreUnderTest s, long tokens)
    {
        await EnsureKeyAsync(s);
        var result = await s.Quotas.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", tokens, Ttl), Ct);
        Assert.True(result.IsGranted);
        return result.Reservation!;
    }

    private static async Task AssertCountersAsync(StoreUnderTest s, long used, long minuteTokens, long dayTokens)
    {
        Assert.Equal(used, (await s.Keys.GetAsync("k-1", Ct))!.TokensUsed);
        foreach (var (scope, id) in new[] { (QuotaScope.Key, "k-1"), (QuotaScope.Project, "p-1") })
        {
            var window = await s.Quotas.GetWindowUsageAsync(scope, id, Ct);
            Assert.Equal((scope, minuteTokens, dayTokens), (scope, window.MinuteTokens, window.DayTokens));
        }
    }

    private Task BeginAsync(StoreUnderTest s, string attemptId, string operationId, int number, string? reservationId, long estimate, string company = "c-1", long? inputEstimate = null) =>
        Ops(s).BeginAttemptAsync(
            new AttemptJournalEntry
            {
                AttemptId = attemptId,
                OperationId = operationId,
                CompanyId = company,
                KeyId = "k-1",
                ProjectId = "p-1",
                ReservationId = reservationId,
                EstimatedTokens = estimate,
                EstimatedInputTokens = inputEstimate,
                AttemptNumber = number,
                StartedAt = Clock.GetUtcNow(),
                ExpiresAt = Clock.GetUtcNow() + Ttl,
            },
            Ct);

    private UsageRecord Usage(string attemptId, string operationId, long total, int attempt = 1) => new()
    {
        Id = attemptId,
        OperationId = operationId,
        Attempt = attempt,
        CompanyId = "c-1",
        KeyId = "k-1",
        ProjectId = "p-1",
        Model = "gemini-2.5-flash",
        ResponseId = "resp-" + attemptId,
        InputTokens = total - 40,
        OutputTokens = 30,
        CachedTokens = 4,
        ThoughtsTokens = 10,
        TotalTokens = total,
        StartedAt = Clock.GetUtcNow().AddSeconds(-1),
        CompletedAt = Clock.GetUtcNow(),
    };
}
