using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.Sqlite.Tests.Storage;

/// <summary>
/// Migration 0008 (the input-token estimate of a reservation): a reservation granted before it has no input estimate and
/// counted its total estimate in the minute windows, so its settlement corrects the minute windows from that total.
/// </summary>
public sealed class SqliteInputTokenWindowsTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 10, 0, 20, TimeSpan.Zero);

    private readonly TestDatabase _database = new();
    private readonly FakeTimeProvider _clock = new(Start);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task SettleAsync_ReservationStoredBeforeTheMigration_CorrectsTheMinuteWindowsFromItsTotal()
    {
        var store = await _database.CreateStoreAsync(_clock, o => o.Pooling = false);
        await store.AddAsync(new ApiKey { Id = "k-1", CompanyId = "c-1", ProjectId = "p-1", Secret = "test-key-k-1-secret-0000", AllowedModels = ["gemini-2.5-flash"] }, Ct);
        var reservation = (await store.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 1_000, TimeSpan.FromMinutes(10)) { InputTokens = 400 }, Ct)).Reservation!;
        Assert.Equal(400, (await store.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct)).MinuteTokens);

        // What a store before 0008 left behind: no input estimate, the total counted in the minute slots.
        await using (var connection = new SqliteConnection($"Data Source={_database.DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            await using var legacy = connection.CreateCommand();
            legacy.CommandText = "UPDATE QuotaReservations SET InputTokens = NULL; UPDATE QuotaWindows SET Tokens = 1000 WHERE WindowKind = 0;";
            await legacy.ExecuteNonQueryAsync(Ct);
        }

        Assert.NotNull(await store.SettleAsync(reservation.Id, 750, 300, Ct));

        foreach (var (scope, id) in new[] { (QuotaScope.Key, "k-1"), (QuotaScope.Project, "p-1") })
        {
            var window = await store.GetWindowUsageAsync(scope, id, Ct);
            Assert.Equal((1L, 300L, 1L, 750L), (window.MinuteRequests, window.MinuteTokens, window.DayRequests, window.DayTokens));
        }
    }
}
