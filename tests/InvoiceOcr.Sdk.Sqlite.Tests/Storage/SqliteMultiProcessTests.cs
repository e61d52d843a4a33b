using System.Globalization;
using Microsoft.Data.Sqlite;

namespace InvoiceOcr.Sdk.Sqlite.Tests.Storage;

/// <summary>Real OS processes sharing one SQLite file: exact quotas, and a process killed mid-run losing nothing.</summary>
public sealed class SqliteMultiProcessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private readonly TestDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task ReserveAsync_TwoProcessesWith32CallersEach_NeverPassTheLimit()
    {
        var store = await _database.CreateStoreAsync();
        await store.AddAsync(
            new ApiKey
            {
                Id = "k-1",
                CompanyId = "c-1",
                ProjectId = "p-1",
                Secret = "test-key-multiprocess-0001",
                LifetimeTokenLimit = 1_000_000,
                Rates = new QuotaLimits { RequestsPerDay = 100 },
            },
            Ct);

        using var first = TestHostProcess.Start("reserve", _database.DatabasePath, "k-1", "32", "5");
        using var second = TestHostProcess.Start("reserve", _database.DatabasePath, "k-1", "32", "5");
        var granted = 0;
        foreach (var host in new[] { first, second })
        {
            var lines = host.ReadLines(l => l[^1].StartsWith("GRANTED ", StringComparison.Ordinal), Timeout);
            Assert.Equal(0, await host.WaitForExitAsync(Timeout));
            granted += int.Parse(lines[^1]["GRANTED ".Length..], CultureInfo.InvariantCulture);
        }

        // 2 x 32 x 5 = 320 attempts against 100 requests per day: exactly 100 admitted, each settled with 7 tokens.
        Assert.Equal(100, granted);
        var window = await store.GetWindowUsageAsync(QuotaScope.Key, "k-1", Ct);
        Assert.Equal(100, window.DayRequests);
        Assert.Equal(700, window.DayTokens);
        var key = await store.GetAsync("k-1", Ct);
        Assert.Equal(700, key!.TokensUsed);
        Assert.Equal(0, key.TokensReserved);
    }

    [Fact]
    public async Task UsageLogger_ProcessKilledWhileTheDatabaseIsLocked_OutboxIsReplayedExactlyOnceOnRestart()
    {
        await _database.CreateStoreAsync();

        // Another writer holds the database: the first process's records can only go to the outbox.
        var blocker = new SqliteConnection($"Data Source={_database.DatabasePath};Pooling=False");
        await blocker.OpenAsync(Ct);
        using (var begin = blocker.CreateCommand())
        {
            begin.CommandText = "BEGIN EXCLUSIVE;";
            await begin.ExecuteNonQueryAsync(Ct);
        }

        List<string> acked;
        using (var doomed = TestHostProcess.Start("usage", _database.DatabasePath, "killed", "100000", "32", "200", "0"))
        {
            acked = doomed.ReadLines(l => l.Count(x => x.StartsWith("ACK ", StringComparison.Ordinal)) >= 100, Timeout)
                .Where(l => l.StartsWith("ACK ", StringComparison.Ordinal))
                .Select(l => l[4..])
                .ToList();
            doomed.Kill();
        }

        Assert.True(Directory.EnumerateFiles(_database.DatabasePath + ".outbox", "*.jsonl", SearchOption.AllDirectories).Any(), "The killed process left no outbox.");
        await blocker.DisposeAsync();

        using (var restarted = TestHostProcess.Start("usage", _database.DatabasePath, "after", "50", "8", "30000", "1"))
        {
            restarted.ReadLines(l => l[^1] == "DONE", Timeout);
            Assert.Equal(0, await restarted.WaitForExitAsync(Timeout));
        }

        await using var connection = new SqliteConnection($"Data Source={_database.DatabasePath};Pooling=False");
        await connection.OpenAsync(Ct);
        var ids = new List<string>();
        using (var select = connection.CreateCommand())
        {
            select.CommandText = "SELECT UsageId FROM TokenUsageLogs WHERE UsageId LIKE 'killed-%';";
            using var reader = await select.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                ids.Add(reader.GetString(0));
            }
        }

        // Every record the killed process acknowledged is in the ledger exactly once (unacknowledged ones may be too, once).
        Assert.Superset(acked.ToHashSet(), ids.ToHashSet());
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(50, await ScalarAsync(connection, "SELECT COUNT(*) FROM TokenUsageLogs WHERE UsageId LIKE 'after-%';"));
        Assert.Equal(
            await ScalarAsync(connection, "SELECT SUM(TotalTokens) FROM TokenUsageLogs;"),
            await ScalarAsync(connection, "SELECT SUM(TotalTokens) FROM TokenUsageSummary;"));
        Assert.Equal(
            await ScalarAsync(connection, "SELECT COUNT(*) FROM TokenUsageLogs;"),
            await ScalarAsync(connection, "SELECT SUM(RequestCount) FROM TokenUsageSummary;"));
        Assert.Empty(Directory.EnumerateFiles(_database.DatabasePath + ".outbox", "*.jsonl", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task UsageLogger_LedgerWithoutFsyncAndProcessKilledMidRun_EveryAcknowledgedRecordIsInTheDatabase()
    {
        await _database.CreateStoreAsync();

        // SurvivesProcessCrash: ledger commits skip the fsync (synchronous = NORMAL). A kill -9 must still lose nothing
        // acknowledged, straight from the database file, with no outbox involved.
        List<string> acked;
        using (var doomed = TestHostProcess.Start("usage", _database.DatabasePath, "killed", "1000000", "32", "30000", "0", nameof(SqliteLedgerDurability.SurvivesProcessCrash)))
        {
            acked = doomed.ReadLines(l => l.Count(x => x.StartsWith("ACK ", StringComparison.Ordinal)) >= 2_000, Timeout)
                .Where(l => l.StartsWith("ACK ", StringComparison.Ordinal))
                .Select(l => l[4..])
                .ToList();
            doomed.Kill();
        }

        var outbox = _database.DatabasePath + ".outbox";
        Assert.False(Directory.Exists(outbox) && Directory.EnumerateFiles(outbox, "*.jsonl", SearchOption.AllDirectories).Any(), "Nothing should have gone to the outbox.");
        await using var connection = new SqliteConnection($"Data Source={_database.DatabasePath};Pooling=False");
        await connection.OpenAsync(Ct);
        var ids = new List<string>();
        using (var select = connection.CreateCommand())
        {
            select.CommandText = "SELECT UsageId FROM TokenUsageLogs;";
            using var reader = await select.ExecuteReaderAsync(Ct);
            while (await reader.ReadAsync(Ct))
            {
                ids.Add(reader.GetString(0));
            }
        }

        Assert.True(acked.Count >= 2_000);
        Assert.Superset(acked.ToHashSet(), ids.ToHashSet());
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(
            await ScalarAsync(connection, "SELECT COUNT(*) FROM TokenUsageLogs;"),
            await ScalarAsync(connection, "SELECT SUM(RequestCount) FROM TokenUsageSummary;"));
        Assert.Equal("ok", await TextAsync(connection, "PRAGMA integrity_check;"));
    }

    private static async Task<string?> TextAsync(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (string?)await command.ExecuteScalarAsync(Ct);
    }

    private static async Task<long> ScalarAsync(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), CultureInfo.InvariantCulture);
    }
}
