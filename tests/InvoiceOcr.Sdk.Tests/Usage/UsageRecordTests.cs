using InvoiceOcr.Sdk.Usage;

namespace InvoiceOcr.Sdk.Tests.Usage;

public sealed class UsageRecordTests
{
    [Fact]
    public void CreateId_SameOperationAndAttempt_GivesTheSameIdAndDifferentAttemptsDiffer()
    {
        Assert.Equal(UsageRecord.CreateId("op-1", 2), UsageRecord.CreateId("op-1", 2));
        Assert.NotEqual(UsageRecord.CreateId("op-1", 1), UsageRecord.CreateId("op-1", 2));
        Assert.NotEqual(UsageRecord.CreateId("op-1", 11), UsageRecord.CreateId("op-11", 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => UsageRecord.CreateId("op-1", 0));
        Assert.ThrowsAny<ArgumentException>(() => UsageRecord.CreateId(" ", 1));
    }

    [Fact]
    public void FromUsage_BilledUsage_CopiesEveryTokenColumn()
    {
        var usage = new TokenUsage
        {
            InputTokens = 1,
            OutputTokens = 2,
            TextTokens = 3,
            ImageTokens = 4,
            DocumentTokens = 5,
            CachedTokens = 6,
            ThoughtsTokens = 7,
            ToolUseTokens = 8,
            TotalTokens = 9,
            RawUsageJson = "{}",
        };

        var record = UsageRecord.FromUsage("id", "op", 3, "c-1", "k-1", "m", usage);

        Assert.Equal((1L, 2L, 3L, 4L, 5L), (record.InputTokens, record.OutputTokens, record.TextTokens, record.ImageTokens, record.DocumentTokens));
        Assert.Equal((6L, 7L, 8L, 9L, "{}"), (record.CachedTokens, record.ThoughtsTokens, record.ToolUseTokens, record.TotalTokens, record.RawUsageJson));
        Assert.Equal(("id", "op", 3, "c-1", "k-1", "m", 1), (record.Id, record.OperationId, record.Attempt, record.CompanyId, record.KeyId, record.Model, record.RequestCount));
    }

    [Fact]
    public async Task StoreUsageLogger_RecordsAndReplays_WriteOneRowEach()
    {
        var store = new InMemoryInvoiceOcrStore();
        var logger = new StoreUsageLogger(store, store);
        var record = UsageRecord.FromUsage("op#1", "op", 1, "c-1", "k-1", "m", new TokenUsage { TotalTokens = 5 });
        var retry = new RetryAttemptRecord { OperationId = "op", AttemptNumber = 1, CompanyId = "c-1", ErrorKind = InvoiceOcrErrorKind.ServerError };

        await logger.LogUsageAsync(record, TestContext.Current.CancellationToken);
        await logger.LogUsageAsync(record, TestContext.Current.CancellationToken);
        await logger.LogRetryAttemptAsync(retry, TestContext.Current.CancellationToken);
        await logger.LogRetryAttemptAsync(retry, TestContext.Current.CancellationToken);

        Assert.Single(await store.ListAsync(new UsageQuery("c-1"), TestContext.Current.CancellationToken));
        Assert.Single(await store.ListByOperationAsync("op", TestContext.Current.CancellationToken));
    }
}
