using System.Globalization;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Sqlite.Tests.Storage;

/// <summary>The <c>synchronous</c> level each kind of commit really runs with, read inside the transaction just before it commits.</summary>
public sealed class SqliteDurabilityTests : IDisposable
{
    private const long Normal = 1;
    private const long Full = 2;
    private readonly TestDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _database.Dispose();

    [Theory]
    [InlineData(SqliteLedgerDurability.SurvivesPowerLoss, Full)]
    [InlineData(SqliteLedgerDurability.SurvivesProcessCrash, Normal)]
    public async Task Commits_EachKindOfWrite_UseItsSynchronousLevel(SqliteLedgerDurability durability, long ledgerLevel)
    {
        var store = await _database.CreateStoreAsync(configure: o => o.LedgerDurability = durability);
        var seen = new List<(string Operation, long Synchronous, long TempStore)>();
        var operation = "";
        store.Committing = (connection, transaction) => seen.Add((operation, Pragma(connection, transaction, "synchronous"), Pragma(connection, transaction, "temp_store")));

        // Alternating kinds on pooled connections: every commit must switch the level it needs, both ways.
        operation = "add key";
        await store.AddAsync(new ApiKey { Id = "k-1", CompanyId = "c-1", ProjectId = "p-1", Secret = "test-key-durability-0001" }, Ct);
        operation = "reserve";
        var reservation = (await store.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 100, TimeSpan.FromMinutes(5)), Ct)).Reservation!;
        operation = "settle";
        await store.SettleAsync(reservation.Id, 90, Ct);
        operation = "usage";
        await store.AppendAsync(SqliteOutageTests.Record("u-1"), Ct);
        operation = "reserve";
        var second = (await store.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 100, TimeSpan.FromMinutes(5)), Ct)).Reservation!;
        operation = "retry";
        await store.AppendRetryAttemptsAsync([new RetryAttemptRecord { OperationId = "op-1", AttemptNumber = 1, CompanyId = "c-1", ErrorKind = InvoiceOcrErrorKind.ServerError }], Ct);
        operation = "release";
        await store.ReleaseAsync(second.Id, Ct);
        operation = "cooldown";
        await store.CoolDownKeyAsync("k-1", TimeSpan.FromSeconds(1), Ct);
        operation = "logs";
        await ((IApplicationLogSink)store).WriteAsync([new ApplicationLogEntry { Timestamp = DateTimeOffset.UtcNow, Level = LogLevel.Warning, Category = "c", Message = "m" }], Ct);
        operation = "disable key";
        await store.TryChangeStatusAsync("k-1", ApiKeyStatus.Active, ApiKeyStatus.Disabled, "test", Ct);
        operation = "usage";
        await store.AppendBatchAsync([SqliteOutageTests.Record("u-2"), SqliteOutageTests.Record("u-3")], Ct);

        Assert.Equal(
            [
                ("add key", Full),
                ("reserve", Normal),
                ("settle", Normal),
                ("usage", ledgerLevel),
                ("reserve", Normal),
                ("retry", ledgerLevel),
                ("release", Normal),
                ("cooldown", Normal),
                ("logs", Normal),
                ("disable key", Full),
                ("usage", ledgerLevel),
            ],
            seen.Select(s => (s.Operation, s.Synchronous)));
        Assert.All(seen, s => Assert.Equal(2, s.TempStore));
    }

    [Fact]
    public async Task Commits_WithoutPooling_ConfigureEveryNewConnection()
    {
        var store = await _database.CreateStoreAsync(configure: o =>
        {
            o.Pooling = false;
            o.LedgerDurability = SqliteLedgerDurability.SurvivesProcessCrash;
        });
        var seen = new List<long>();
        store.Committing = (connection, transaction) => seen.Add(Pragma(connection, transaction, "synchronous"));

        await store.AddAsync(new ApiKey { Id = "k-1", CompanyId = "c-1", ProjectId = "p-1", Secret = "test-key-durability-0002" }, Ct);
        await store.AppendAsync(SqliteOutageTests.Record("u-1"), Ct);
        await store.ReserveAsync(new QuotaReservationRequest("k-1", "c-1", 100, TimeSpan.FromMinutes(5)), Ct);

        Assert.Equal([Full, Normal, Normal], seen);
    }

    private static long Pragma(SqliteConnection connection, SqliteTransaction transaction, string name)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = "PRAGMA " + name + ";";
        return Convert.ToInt64(command.ExecuteScalar(), CultureInfo.InvariantCulture);
    }
}
