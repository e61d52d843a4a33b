using InvoiceOcr.Sdk.Extraction;
using Microsoft.Extensions.Time.Testing;

namespace InvoiceOcr.Sdk.Tests.Extraction;

public sealed class ExtractionResultCacheTests
{
    private static InvoiceExtractionResult Result(string operationId) => new()
    {
        Invoice = new Invoice(),
        Findings = [],
        Usage = TokenUsage.None,
        OperationId = operationId,
        DocumentSha256 = "ab",
    };

    [Fact]
    public void TryGet_WithinRetention_ReturnsTheResultAndAfterwardsNothing()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 6, 1, 0, 0, 0, TimeSpan.Zero));
        var cache = new ExtractionResultCache(time);
        var result = Result("op-1");
        cache.Add("op-1", result);

        time.Advance(ExtractionResultCache.Retention - TimeSpan.FromTicks(1));
        Assert.True(cache.TryGet("op-1", out var held));
        Assert.Same(result, held);
        Assert.False(cache.TryGet("op-2", out _));

        time.Advance(TimeSpan.FromTicks(1));
        Assert.False(cache.TryGet("op-1", out var expired));
        Assert.Null(expired);
        Assert.Equal(0, cache.Count);
    }

    [Fact]
    public void Add_BeyondCapacity_PushesOutTheOldestOnly()
    {
        var cache = new ExtractionResultCache(new FakeTimeProvider());
        for (var i = 0; i <= ExtractionResultCache.Capacity; i++)
        {
            cache.Add($"op-{i}", Result($"op-{i}"));
        }

        Assert.Equal(ExtractionResultCache.Capacity, cache.Count);
        Assert.False(cache.TryGet("op-0", out _));
        Assert.True(cache.TryGet("op-1", out _));
        Assert.True(cache.TryGet($"op-{ExtractionResultCache.Capacity}", out _));
    }

    [Fact]
    public void Add_SameOperationTwice_KeepsOneEntryWithTheLatestResult()
    {
        var cache = new ExtractionResultCache(new FakeTimeProvider());
        var second = Result("op-1") with { Attempts = 2 };
        cache.Add("op-1", Result("op-1"));
        cache.Add("op-1", second);

        Assert.Equal(1, cache.Count);
        Assert.True(cache.TryGet("op-1", out var held));
        Assert.Same(second, held);
    }

    [Fact]
    public void Add_ExpiredEntriesRemovedOnLookup_QueueStaysBounded()
    {
        var time = new FakeTimeProvider();
        var cache = new ExtractionResultCache(time);
        for (var round = 0; round < 3; round++)
        {
            for (var i = 0; i < ExtractionResultCache.Capacity; i++)
            {
                var id = $"r{round}-{i}";
                cache.Add(id, Result(id));
                if (i % 2 == 0)
                {
                    time.Advance(ExtractionResultCache.Retention);
                    Assert.False(cache.TryGet(id, out _));
                }
            }
        }

        Assert.InRange(cache.Count, 1, ExtractionResultCache.Capacity);
        Assert.True(cache.TryGet($"r2-{ExtractionResultCache.Capacity - 1}", out _));
    }
}
