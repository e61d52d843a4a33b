using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace InvoiceOcr.Sdk.Relational.Tests.Persistence;

public sealed partial class DurableOutboxTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "invoiceocr-outbox-tests", Guid.NewGuid().ToString("N"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static JsonTypeInfo<Item> TypeInfo => OutboxTestJson.Default.Item;

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Fact]
    public async Task ReplayAsync_AppendedRecords_AreCommittedOnceAndTheFileDeleted()
    {
        using var outbox = new DurableOutbox<Item>(_directory, TypeInfo);
        await outbox.AppendAsync([new Item("a", 1), new Item("b", 2)], Ct);
        await outbox.AppendAsync([new Item("c", 3)], Ct);
        var committed = new List<Item>();

        var count = await outbox.ReplayAsync((batch, _) => { committed.AddRange(batch); return Task.CompletedTask; }, 2, Ct);

        Assert.Equal(3, count);
        Assert.Equal([new Item("a", 1), new Item("b", 2), new Item("c", 3)], committed);
        Assert.False(outbox.HasPending());
        Assert.Equal(0, await outbox.ReplayAsync((_, _) => Task.CompletedTask, 2, Ct));
    }

    [Fact]
    public async Task ReplayAsync_TornOrTamperedLine_IsSkippedAndCounted()
    {
        using (var writer = new DurableOutbox<Item>(_directory, TypeInfo))
        {
            await writer.AppendAsync([new Item("a", 1), new Item("b", 2)], Ct);
        }

        var file = Directory.EnumerateFiles(_directory).Single();
        var lines = File.ReadAllLines(file);
        File.WriteAllText(file, lines[0].Replace("\\u0022a\\u0022", "\\u0022z\\u0022", StringComparison.Ordinal).Replace("\\\"a\\\"", "\\\"z\\\"", StringComparison.Ordinal) + "\n" + lines[1] + "\n{\"v\":1,\"sum\":\"ab");
        using var outbox = new DurableOutbox<Item>(_directory, TypeInfo);
        var committed = new List<Item>();

        await outbox.ReplayAsync((batch, _) => { committed.AddRange(batch); return Task.CompletedTask; }, 10, Ct);

        Assert.Equal([new Item("b", 2)], committed);
        Assert.Equal(2, outbox.CorruptLinesSkipped);
    }

    [Fact]
    public async Task ReplayAsync_FileHeldByAnotherLiveWriter_IsLeftToIt()
    {
        using var live = new DurableOutbox<Item>(_directory, TypeInfo);
        await live.AppendAsync([new Item("live", 1)], Ct);
        using var other = new DurableOutbox<Item>(_directory, TypeInfo);

        var count = await other.ReplayAsync((_, _) => Task.CompletedTask, 10, Ct);

        Assert.Equal(0, count);
        Assert.True(live.HasPending());
        Assert.Equal(1, await live.ReplayAsync((_, _) => Task.CompletedTask, 10, Ct));
    }

    [Fact]
    public async Task ReplayAsync_CommitFails_KeepsTheFileForTheNextReplay()
    {
        using var outbox = new DurableOutbox<Item>(_directory, TypeInfo);
        await outbox.AppendAsync([new Item("a", 1)], Ct);

        await Assert.ThrowsAsync<InvoiceOcrException>(() => outbox.ReplayAsync((_, _) => throw new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, "down"), 10, Ct));

        Assert.True(outbox.HasPending());
        Assert.Equal(1, await outbox.ReplayAsync((_, _) => Task.CompletedTask, 10, Ct));
    }

    [Fact]
    public async Task GroupCommitWriter_ConcurrentWriters_ShareCommits()
    {
        var release = new TaskCompletionSource();
        var batches = new List<int>();
        var committed = 0;
        await using var writer = new GroupCommitWriter<int>(async (batch, _) =>
        {
            lock (batches)
            {
                batches.Add(batch.Count);
            }

            await release.Task;
            Interlocked.Add(ref committed, batch.Count);
        });

        var first = writer.WriteAsync(0, Ct);
        while (batches.Count == 0)
        {
            await Task.Delay(5, Ct);
        }

        var rest = Enumerable.Range(1, 63).Select(i => writer.WriteAsync(i, Ct)).ToArray();
        release.SetResult();
        await Task.WhenAll(rest.Append(first));

        Assert.Equal(64, committed);
        Assert.Equal([1, 63], batches);
    }

    [Fact]
    public async Task GroupCommitWriter_CommitFails_EveryWaiterOfTheBatchSeesTheError()
    {
        await using var writer = new GroupCommitWriter<int>((_, _) => throw new InvalidOperationException("bad batch"));

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => writer.WriteAsync(1, Ct));

        Assert.Equal("bad batch", error.Message);
    }

    public sealed record Item(string Name, int Value);

    [JsonSerializable(typeof(Item))]
    private sealed partial class OutboxTestJson : JsonSerializerContext;
}
