using InvoiceOcr.Sdk.Relational;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using Microsoft.Extensions.Time.Testing;
using System.Diagnostics.Metrics;

namespace InvoiceOcr.Sdk.StoreContract;

/// <summary>
/// Retention, the same for every relational provider (SQLite, PostgreSQL; SQL Server when a server is configured):
/// rows older than their table's retention go in batches, younger rows and billing data stay, progress reaches the logs
/// and the rows-purged counter. A provider's test project derives from this class and returns its store.
/// </summary>
public abstract class RelationalRetentionContractTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 23, 10, 0, 0, TimeSpan.Zero);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Creates a fresh, empty store (its ledger is a <see cref="RelationalInvoiceOcrStore"/>) whose clock is <paramref name="clock"/>.</summary>
    protected abstract Task<StoreUnderTest> CreateStoreAsync(TimeProvider clock);

    [Fact]
    public async Task PurgeAsync_OldAndYoungRows_DeletesOnlyRowsPastRetentionInBatchesAndKeepsTheLedger()
    {
        var clock = new FakeTimeProvider(Now);
        await using var s = await CreateStoreAsync(clock);
        var store = (RelationalInvoiceOcrStore)s.Ledger;
        await WriteLogsAsync(store, Now.AddDays(-40), 7);
        await WriteLogsAsync(store, Now.AddDays(-29), 3);
        await WriteAttemptsAsync(s.RetryAttempts, "op-old", Now.AddDays(-100), 5);
        await WriteAttemptsAsync(s.RetryAttempts, "op-young", Now.AddDays(-89), 2);
        Assert.True(await s.Ledger.AppendAsync(OldUsage(Now.AddDays(-400)), Ct));
        using var services = Services(clock);
        using var rows = new MetricCollector<long>(services.GetRequiredService<IMeterFactory>(), InvoiceOcrTelemetry.MeterName, RelationalRetentionPurger.RowsPurgedInstrument);
        var logs = new FakeLogCollector();
        var purger = new RelationalRetentionPurger(
            store,
            new RelationalRetentionOptions { ApplicationLogs = TimeSpan.FromDays(30), RetryAttempts = TimeSpan.FromDays(90), BatchSize = 2, BatchPause = TimeSpan.Zero },
            clock,
            new FakeLogger<RelationalRetentionPurger>(logs),
            services.GetRequiredService<IMeterFactory>());

        var purged = await purger.PurgeAsync(Ct);

        Assert.Equal(7, purged[RelationalRetentionTable.ApplicationLogs]);
        Assert.Equal(5, purged[RelationalRetentionTable.RetryAttempts]);
        Assert.Empty(await s.RetryAttempts.ListByOperationAsync("op-old", Ct));
        Assert.Equal(2, (await s.RetryAttempts.ListByOperationAsync("op-young", Ct)).Count);
        Assert.NotNull(await s.Ledger.GetAsync("u-old", Ct)); // billing data: never purged, however old
        Assert.Equal(3, await store.PurgeBatchAsync(RelationalRetentionTable.ApplicationLogs, Now.AddDays(1), RelationalRetentionOptions.MaxBatchSize, Ct)); // the young rows were left
        var measurements = rows.GetMeasurementSnapshot();
        Assert.Equal(7, measurements.Where(m => Equals(m.Tags["invoiceocr.retention.table"], "ApplicationLogs")).Sum(m => m.Value));
        Assert.Equal(5, measurements.Where(m => Equals(m.Tags["invoiceocr.retention.table"], "RetryAttempts")).Sum(m => m.Value));
        Assert.Equal(4 + 3, measurements.Count); // batches of 2: 2+2+2+1 logs, 2+2+1 attempts
        var summaries = logs.GetSnapshot().Where(r => r.Id.Id == 3301).Select(r => r.Message).ToList();
        Assert.Equal(2, summaries.Count);
        Assert.Contains(summaries, m => m.Contains("7 rows of ApplicationLogs", StringComparison.Ordinal));
        Assert.Contains(summaries, m => m.Contains("5 rows of RetryAttempts", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PurgeAsync_TableKeptForever_LeavesItAlone()
    {
        var clock = new FakeTimeProvider(Now);
        await using var s = await CreateStoreAsync(clock);
        var store = (RelationalInvoiceOcrStore)s.Ledger;
        await WriteLogsAsync(store, Now.AddYears(-3), 2);
        await WriteAttemptsAsync(s.RetryAttempts, "op-1", Now.AddYears(-3), 2);
        using var services = Services(clock);
        var purger = new RelationalRetentionPurger(
            store,
            new RelationalRetentionOptions { ApplicationLogs = null, RetryAttempts = TimeSpan.FromDays(1), BatchPause = TimeSpan.Zero },
            clock,
            new FakeLogger<RelationalRetentionPurger>(),
            services.GetRequiredService<IMeterFactory>());

        var purged = await purger.PurgeAsync(Ct);

        Assert.False(purged.ContainsKey(RelationalRetentionTable.ApplicationLogs));
        Assert.Equal(2, purged[RelationalRetentionTable.RetryAttempts]);
        Assert.Equal(2, await store.PurgeBatchAsync(RelationalRetentionTable.ApplicationLogs, Now, 10, Ct));
    }

    [Fact]
    public async Task PurgeBatchAsync_MoreRowsThanTheBatch_DeletesTheBatchOldestIdFirst()
    {
        var clock = new FakeTimeProvider(Now);
        await using var s = await CreateStoreAsync(clock);
        var store = (RelationalInvoiceOcrStore)s.Ledger;
        await WriteAttemptsAsync(s.RetryAttempts, "op-1", Now.AddDays(-10), 5);

        var deleted = await store.PurgeBatchAsync(RelationalRetentionTable.RetryAttempts, Now, 3, Ct);

        Assert.Equal(3, deleted);
        Assert.Equal([4, 5], (await s.RetryAttempts.ListByOperationAsync("op-1", Ct)).Select(a => a.AttemptNumber));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.PurgeBatchAsync(RelationalRetentionTable.RetryAttempts, Now, RelationalRetentionOptions.MaxBatchSize + 1, Ct));
    }

    private static ServiceProvider Services(TimeProvider clock) => new ServiceCollection().AddMetrics().AddSingleton(clock).BuildServiceProvider();

    private static Task WriteLogsAsync(IApplicationLogSink sink, DateTimeOffset at, int count) =>
        sink.WriteAsync(
            [.. Enumerable.Range(0, count).Select(i => new ApplicationLogEntry { Timestamp = at.AddSeconds(i), Level = LogLevel.Information, Category = "Retention.Test", Message = "entry " + i })],
            Ct);

    private static async Task WriteAttemptsAsync(IRetryAttemptStore store, string operationId, DateTimeOffset at, int count)
    {
        for (var n = 1; n <= count; n++)
        {
            Assert.True(await store.AppendAsync(
                new RetryAttemptRecord { OperationId = operationId, AttemptNumber = n, CompanyId = "c-1", ErrorKind = InvoiceOcrErrorKind.ServerError, Delay = TimeSpan.FromSeconds(1), Timestamp = at.AddSeconds(n) },
                Ct));
        }
    }

    private static UsageRecord OldUsage(DateTimeOffset at) => new()
    {
        Id = "u-old",
        OperationId = "op-u-old",
        CompanyId = "c-1",
        KeyId = "k-1",
        ProjectId = "p-1",
        Model = "gemini-2.5-flash",
        InputTokens = 60,
        OutputTokens = 40,
        TotalTokens = 100,
        StartedAt = at.AddSeconds(-3),
        CompletedAt = at,
    };
}
