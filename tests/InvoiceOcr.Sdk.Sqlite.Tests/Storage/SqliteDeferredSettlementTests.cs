using InvoiceOcr.Sdk.Relational;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.Sqlite.Tests.Storage;

/// <summary>
/// The outbox's deferred path: a billed attempt whose ending cannot reach the database waits in the outbox and is applied
/// through <see cref="IOperationStore.EndAttemptAsync"/> on replay, so it counts toward the key's used tokens once, whether
/// its reservation was still held or expired meanwhile and was charged at its estimate.
/// </summary>
public sealed class SqliteDeferredSettlementTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 20, TimeSpan.Zero);

    private readonly TestDatabase _database = new();
    private readonly FakeTimeProvider _clock = new(Start);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task LogUsageAsync_StoreUnreachable_IsDeferredAndTheReplaySettlesItOnce()
    {
        var (store, logger, reservation) = await StartAttemptAsync();
        await using (logger)
        {
            var recorded = await WhileUnreachableAsync(() => logger.LogUsageAsync(Usage(700), Ct).AsTask());

            Assert.Equal(UsageRecording.Deferred, recorded.State);
            Assert.Equal(1, logger.UsageRecordsDiverted);
            Assert.Equal(1_000, (await store.GetAsync("k-1", Ct))!.TokensReserved); // Held until the replay settles it.

            Assert.Equal(1, await logger.ReplayOutboxAsync(Ct));
            Assert.Equal(0, await logger.ReplayOutboxAsync(Ct));
        }

        var key = (await store.GetAsync("k-1", Ct))!;
        Assert.Equal((700L, 0L), (key.TokensUsed, key.TokensReserved));
        var window = await store.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct);
        Assert.Equal((660L, 700L), (window.MinuteTokens, window.DayTokens)); // the billed prompt tokens, then every billed token
        Assert.Single(await store.ListAsync(new UsageQuery("c-1"), Ct));
        Assert.Null(await store.SettleAsync(reservation.Id, 700, Ct));
        _clock.Advance(TimeSpan.FromHours(1));
        Assert.Empty(await store.ResolveInFlightAttemptsAsync(null, Ct));
    }

    [Fact]
    public async Task LogUsageAsync_DeferredPastTheReservationsExpiry_ReplayCorrectsTheEstimateCharge()
    {
        var (store, logger, _) = await StartAttemptAsync();
        await using (logger)
        {
            await WhileUnreachableAsync(() => logger.LogUsageAsync(Usage(1_300), Ct).AsTask());
            _clock.Advance(TimeSpan.FromMinutes(10));
            Assert.Equal(1, await store.ReclaimExpiredReservationsAsync(Ct));
            Assert.Equal(1_000, (await store.GetAsync("k-1", Ct))!.TokensUsed);
            Assert.Single(await store.ListUnknownOutcomeAttemptsAsync("c-1", Ct));

            Assert.Equal(1, await logger.ReplayOutboxAsync(Ct));
        }

        var key = (await store.GetAsync("k-1", Ct))!;
        Assert.Equal((1_300L, 0L), (key.TokensUsed, key.TokensReserved));
        Assert.Empty(await store.ListUnknownOutcomeAttemptsAsync(null, Ct));
        Assert.Single(await store.ListAsync(new UsageQuery("c-1"), Ct));
    }

    private async Task<(SqliteInvoiceOcrStore Store, DurableUsageLogger Logger, QuotaReservation Reservation)> StartAttemptAsync()
    {
        // No pooling, so a moved file really is unreachable for the next connection.
        var store = await _database.CreateStoreAsync(_clock, o => o.Pooling = false);
        await store.AddAsync(new ApiKey { Id = "k-1", CompanyId = "c-1", ProjectId = "p-1", Secret = "test-key-k-1-secret-0000", AllowedModels = ["gemini-2.5-flash"] }, Ct);
        var reservation = (await store.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 1_000, TimeSpan.FromMinutes(10)), Ct)).Reservation!;
        await store.BeginAttemptAsync(
            new AttemptJournalEntry
            {
                AttemptId = "a-1",
                OperationId = "op-1",
                CompanyId = "c-1",
                KeyId = "k-1",
                ProjectId = "p-1",
                ReservationId = reservation.Id,
                EstimatedTokens = reservation.Tokens,
                AttemptNumber = 1,
                StartedAt = Start,
                ExpiresAt = reservation.ExpiresAt,
            },
            Ct);

        // The replay loop is driven by hand here.
        var logger = new DurableUsageLogger(store, new DurableUsageLoggerOptions { OutboxDirectory = _database.DatabasePath + ".outbox", ReplayInterval = TimeSpan.FromHours(1) });
        return (store, logger, reservation);
    }

    private async Task<T> WhileUnreachableAsync<T>(Func<Task<T>> action)
    {
        var away = _database.DatabasePath + ".away";
        File.Move(_database.DatabasePath, away);
        try
        {
            return await action();
        }
        finally
        {
            File.Move(away, _database.DatabasePath);
        }
    }

    private UsageRecord Usage(long total) => new()
    {
        Id = "a-1",
        OperationId = "op-1",
        Attempt = 1,
        CompanyId = "c-1",
        KeyId = "k-1",
        ProjectId = "p-1",
        Model = "gemini-2.5-flash",
        InputTokens = total - 40,
        OutputTokens = 40,
        TotalTokens = total,
        StartedAt = Start,
        CompletedAt = _clock.GetUtcNow(),
    };
}
