using System.Globalization;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Data.Sqlite;

namespace InvoiceOcr.Sdk.Sqlite.Tests.Storage;

/// <summary>The batched ledger path (<see cref="IUsageLedgerBatchWriter.AppendBatchAsync"/>): every column stored, replays never counted twice.</summary>
public sealed class SqliteUsageBatchTests : IDisposable
{
    private readonly TestDatabase _database = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _database.Dispose();

    [Fact]
    public async Task AppendBatchAsync_EveryField_RoundTrips()
    {
        var store = await _database.CreateStoreAsync();
        var full = new UsageRecord
        {
            Id = "u-full",
            OperationId = "op-full",
            Attempt = 3,
            CompanyId = "c-1",
            Branch = "north",
            UserId = "user-7",
            KeyId = "k-1",
            ProjectId = "p-1",
            Model = "gemini-2.5-pro",
            ResponseId = "resp-1",
            FileName = "invoice.pdf",
            InputTokens = 1_912,
            OutputTokens = 96,
            TextTokens = 1_654,
            ImageTokens = 11,
            DocumentTokens = 258,
            CachedTokens = 40,
            ThoughtsTokens = 12,
            ToolUseTokens = 5,
            TotalTokens = 2_020,
            RequestCount = 2,
            StartedAt = new DateTimeOffset(2026, 11, 23, 23, 59, 59, TimeSpan.Zero).AddTicks(1_234_567),
            CompletedAt = new DateTimeOffset(2026, 11, 24, 0, 0, 1, TimeSpan.FromHours(2)).AddTicks(7),
            RawUsageJson = "{\"promptTokenCount\":1912}",
            Outcome = UsageOutcome.Failure,
            FailureKind = InvoiceOcrErrorKind.OutputTruncated,
        };
        var sparse = SqliteOutageTests.Record("u-sparse");

        Assert.Equal(2, await store.AppendBatchAsync([full, sparse], Ct));

        IUsageLedger ledger = store;
        Assert.Equal(full, await ledger.GetAsync("u-full", Ct));
        Assert.Equal(sparse, await ledger.GetAsync("u-sparse", Ct));
    }

    [Fact]
    public async Task AppendBatchAsync_RowsRepeatingAndAlternatingValues_StoresEachRowsOwnValues()
    {
        var store = await _database.CreateStoreAsync();
        string?[] branches = ["north", "north", null, null, "north", "south", "", null];
        int[] attempts = [1, 1, 2, 2, 1, 3, 3, 1];
        var records = branches.Select((branch, i) => SqliteOutageTests.Record("u-" + i.ToString(CultureInfo.InvariantCulture)) with
        {
            Branch = branch,
            Attempt = attempts[i],
            InputTokens = i % 3 == 0 ? 100 : 90,
            OutputTokens = 20,
            TotalTokens = i % 3 == 0 ? 120 : 110,
            FailureKind = i is 3 or 4 ? InvoiceOcrErrorKind.SchemaMismatch : null,
            Outcome = i is 3 or 4 ? UsageOutcome.Failure : UsageOutcome.Success,
        }).ToList();

        Assert.Equal(records.Count, await store.AppendBatchAsync(records, Ct));

        IUsageLedger ledger = store;
        foreach (var record in records)
        {
            Assert.Equal(record, await ledger.GetAsync(record.Id, Ct));
        }
    }

    [Fact]
    public async Task AppendBatchAsync_ReplayedAndRepeatedIds_InsertsAndSummarizesEachRecordOnce()
    {
        var store = await _database.CreateStoreAsync();
        var first = Enumerable.Range(0, 300).Select(i => Record(i)).ToList();
        Assert.Equal(300, await store.AppendBatchAsync(first, Ct));

        // A replayed batch overlapping the first, with an id repeated inside it: only the 100 new ids count.
        var second = Enumerable.Range(200, 200).Select(i => Record(i)).Append(Record(350)).Append(Record(7)).ToList();
        Assert.Equal(100, await store.AppendBatchAsync(second, Ct));
        Assert.Equal(0, await store.AppendBatchAsync(second, Ct));

        await using var connection = new SqliteConnection($"Data Source={_database.DatabasePath};Pooling=False");
        await connection.OpenAsync(Ct);
        Assert.Equal(400, await ScalarAsync(connection, "SELECT COUNT(*) FROM TokenUsageLogs;"));
        Assert.Equal(Enumerable.Range(0, 400).Sum(i => 100L + i), await ScalarAsync(connection, "SELECT SUM(TotalTokens) FROM TokenUsageLogs;"));
        Assert.Equal(400, await ScalarAsync(connection, "SELECT SUM(RequestCount) FROM TokenUsageSummary;"));
        Assert.Equal(Enumerable.Range(0, 400).Sum(i => 100L + i), await ScalarAsync(connection, "SELECT SUM(TotalTokens) FROM TokenUsageSummary;"));
        Assert.Equal(Enumerable.Range(0, 400).Count(i => i % 3 == 0), await ScalarAsync(connection, "SELECT SUM(FailedRequests) FROM TokenUsageSummary;"));
        Assert.Equal(4, await ScalarAsync(connection, "SELECT COUNT(*) FROM TokenUsageSummary;"));
    }

    [Fact]
    public async Task AppendBatchAsync_ConstraintViolationMidBatch_CommitsNothing()
    {
        var store = await _database.CreateStoreAsync();
        await using (var connection = new SqliteConnection($"Data Source={_database.DatabasePath};Pooling=False"))
        {
            await connection.OpenAsync(Ct);
            using var trigger = connection.CreateCommand();
            trigger.CommandText = "CREATE TRIGGER RejectPoison BEFORE INSERT ON TokenUsageLogs WHEN NEW.UsageId = 'u-poison' BEGIN SELECT RAISE(ABORT, 'poison'); END;";
            await trigger.ExecuteNonQueryAsync(Ct);
        }

        var error = await Assert.ThrowsAsync<SqliteException>(() => store.AppendBatchAsync([Record(1), SqliteOutageTests.Record("u-poison"), Record(2)], Ct));

        Assert.Contains("poison", error.Message, StringComparison.Ordinal);
        IUsageLedger ledger = store;
        Assert.Null(await ledger.GetAsync("u-1", Ct));
        Assert.Equal(1, await store.AppendBatchAsync([Record(1)], Ct));
    }

    /// <summary>Record <paramref name="i"/>: two keys, two days, every third one a failure.</summary>
    private static UsageRecord Record(int i) => new()
    {
        Id = "u-" + i.ToString(CultureInfo.InvariantCulture),
        OperationId = "op-" + i.ToString(CultureInfo.InvariantCulture),
        CompanyId = "c-1",
        KeyId = i % 2 == 0 ? "k-even" : "k-odd",
        Model = "gemini-2.5-flash",
        InputTokens = 80,
        OutputTokens = 20 + i,
        TotalTokens = 100 + i,
        Outcome = i % 3 == 0 ? UsageOutcome.Failure : UsageOutcome.Success,
        FailureKind = i % 3 == 0 ? InvoiceOcrErrorKind.SchemaMismatch : null,
        StartedAt = new DateTimeOffset(2026, 11, 23 + (i % 4 / 2), 10, 0, 0, TimeSpan.Zero),
        CompletedAt = new DateTimeOffset(2026, 11, 23 + (i % 4 / 2), 10, 0, 1, TimeSpan.Zero),
    };

    private static async Task<long> ScalarAsync(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(await command.ExecuteScalarAsync(Ct), CultureInfo.InvariantCulture);
    }
}
