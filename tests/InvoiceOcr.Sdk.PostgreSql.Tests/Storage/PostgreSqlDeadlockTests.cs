using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Npgsql;

namespace InvoiceOcr.Sdk.PostgreSql.Tests.Storage;

/// <summary>
/// Reclaim of expired reservations running concurrently with reservations and settlements on the same keys and the same
/// project, on the real server with its own clock: the server detects no deadlock (SQLSTATE 40P01, counted by the server
/// itself in <c>pg_stat_database.deadlocks</c> and by the client), and no reservation is lost: each granted one was settled
/// or reclaimed exactly once, and the keys' counters add up to what was settled and reclaimed.
/// </summary>
public sealed class PostgreSqlDeadlockTests
{
    /// <summary>
    /// The run's length. Issue 12 asks for 60 s; the suite runs 20 s to keep the CI budget (each second is ~60
    /// reservations here). <c>INVOICEOCR_DEADLOCK_SECONDS=60</c> runs the full minute.
    /// </summary>
    private const int DefaultSeconds = 20;

    private const int Reservers = 12;
    private const int Reclaimers = 3;
    private static readonly string[] KeyIds = ["k-1", "k-2", "k-3", "k-4"];

    [Fact]
    public async Task ReclaimExpiredReservationsAsync_ConcurrentWithReservationsAndSettlementsOnTheSameKeys_NoDeadlockAndNoLostReservation()
    {
        var seconds = int.TryParse(Environment.GetEnvironmentVariable("INVOICEOCR_DEADLOCK_SECONDS"), NumberStyles.None, CultureInfo.InvariantCulture, out var s) && s > 0 ? s : DefaultSeconds;
        await using var schema = await PostgreSqlTestSchema.CreateAsync();
        var store = new PostgreSqlInvoiceOcrStore(schema.Options(o => o.ConnectionString = new NpgsqlConnectionStringBuilder(schema.ConnectionString) { MaxPoolSize = 40 }.ConnectionString));
        await using var owner = store;
        await store.InitializeAsync(TestContext.Current.CancellationToken);
        foreach (var id in KeyIds)
        {
            Assert.True(await store.AddAsync(new ApiKey { Id = id, CompanyId = "c-1", ProjectId = "p-1", Secret = $"test-key-{id}-0000" }, CancellationToken.None));
        }

        // Limits that never bind but make every window a counted row (the rows reservations and reclaims both lock).
        await store.SetProjectLimitsAsync("p-1", new QuotaLimits { RequestsPerMinute = int.MaxValue, TokensPerMinute = long.MaxValue }, CancellationToken.None);
        var deadlocksBefore = await ServerDeadlocksAsync(schema.ConnectionString);

        var granted = new ConcurrentDictionary<string, QuotaReservation>(StringComparer.Ordinal);
        var settled = new ConcurrentDictionary<string, long>(StringComparer.Ordinal);
        var clientDeadlocks = 0;
        var failures = new ConcurrentQueue<Exception>();
        var until = Stopwatch.GetTimestamp() + (long)(seconds * Stopwatch.Frequency);
        var reclaimed = 0L;

        async Task Guard(Func<Task> body)
        {
            try
            {
                await body();
            }
            catch (Exception ex) when (IsDeadlock(ex))
            {
                Interlocked.Increment(ref clientDeadlocks);
            }
            catch (Exception ex)
            {
                failures.Enqueue(ex);
            }
        }

        var reservers = Enumerable.Range(0, Reservers).Select(worker => Task.Run(async () =>
        {
            var random = new Random(worker);
            while (Stopwatch.GetTimestamp() < until && failures.IsEmpty)
            {
                await Guard(async () =>
                {
                    // Short lives (5-60 ms of the server's clock), so reclaim finds expired reservations all the time.
                    var tokens = random.Next(100, 5_000);
                    var result = await store.ReserveAsync(
                        new QuotaReservationRequest(KeyIds[random.Next(KeyIds.Length)], "c-1", tokens, TimeSpan.FromMilliseconds(random.Next(5, 60))),
                        CancellationToken.None);
                    Assert.True(result.IsGranted, "Refused: " + result.Reason);
                    granted[result.Reservation!.Id] = result.Reservation;
                    if (random.Next(3) == 0)
                    {
                        return; // abandoned: only reclaim can return it
                    }

                    await Task.Delay(random.Next(0, 40));
                    var actual = (long)(tokens * random.Next(20, 120) / 100);
                    if (await store.SettleAsync(result.Reservation.Id, actual, CancellationToken.None) is not null)
                    {
                        Assert.True(settled.TryAdd(result.Reservation.Id, actual));
                    }
                });
            }
        })).ToList();
        var reclaimers = Enumerable.Range(0, Reclaimers).Select(_ => Task.Run(async () =>
        {
            while (Stopwatch.GetTimestamp() < until && failures.IsEmpty)
            {
                await Guard(async () => Interlocked.Add(ref reclaimed, await store.ReclaimExpiredReservationsAsync(CancellationToken.None)));
            }
        })).ToList();
        await Task.WhenAll(reservers.Concat(reclaimers));
        Assert.True(failures.IsEmpty, string.Join("\n\n", failures));

        // Whatever is still open expires within 60 ms; reclaim it all.
        await Task.Delay(200, TestContext.Current.CancellationToken);
        while (await store.ReclaimExpiredReservationsAsync(CancellationToken.None) is var n && n > 0)
        {
            reclaimed += n;
        }

        // Backends report their statistics when they go idle or exit: close the pool's, then read the server's count.
        NpgsqlConnection.ClearAllPools();
        await Task.Delay(1_500, TestContext.Current.CancellationToken);
        var serverDeadlocks = await ServerDeadlocksAsync(schema.ConnectionString) - deadlocksBefore;
        Assert.Equal(0, clientDeadlocks);
        Assert.Equal(0L, serverDeadlocks);

        // No lost reservation: every granted one was settled or reclaimed, once; none is left.
        Assert.True(granted.Count > seconds * 10, $"Only {granted.Count} reservations in {seconds} s: the run proves nothing.");
        Assert.Equal(granted.Count - settled.Count, reclaimed);
        Assert.Equal(0L, await schema.ScalarAsync("SELECT COUNT(*) FROM \"{schema}\".\"QuotaReservations\";"));

        // The counters add up: nothing reserved remains, and a key's usage is what was settled plus the estimates of the
        // reservations reclaimed unsettled (their calls may have been billed, so reclaim charges the estimate).
        foreach (var id in KeyIds)
        {
            var key = await store.GetAsync(id, CancellationToken.None);
            Assert.NotNull(key);
            Assert.Equal(0L, key.TokensReserved);
            var expected = settled.Where(p => granted[p.Key].KeyId == id).Sum(p => p.Value)
                + granted.Values.Where(r => r.KeyId == id && !settled.ContainsKey(r.Id)).Sum(r => r.Tokens);
            Assert.Equal((id, expected), (id, key.TokensUsed));
        }

        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{seconds} s: {granted.Count} reservations, {settled.Count} settled, {reclaimed} reclaimed; deadlocks: server {serverDeadlocks}, client {clientDeadlocks}.");
    }

    private static bool IsDeadlock(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected })
            {
                return true;
            }
        }

        return false;
    }

    private static async Task<long> ServerDeadlocksAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT pg_stat_clear_snapshot(); SELECT deadlocks FROM pg_stat_database WHERE datname = current_database();", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.NextResultAsync();
        await reader.ReadAsync();
        return reader.GetInt64(0);
    }
}
