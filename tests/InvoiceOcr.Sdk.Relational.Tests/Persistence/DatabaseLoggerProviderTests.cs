using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Relational.Tests.Persistence;

public sealed class DatabaseLoggerProviderTests
{
    [Fact]
    public async Task Log_QueueFullWhileTheSinkIsBusy_DropsAndCountsWithoutBlocking()
    {
        var sink = new BlockingSink();
        var provider = new DatabaseLoggerProvider(() => sink, Options.Create(new DatabaseLoggerOptions { QueueCapacity = 4, BatchSize = 1 }));
        var logger = provider.CreateLogger("Tests");

        logger.LogInformation("first");
        await sink.Entered.Task; // The writer is now stuck in the sink with "first".
        for (var i = 0; i < 20; i++)
        {
            logger.LogInformation("entry {Index}", i);
        }

        Assert.Equal(16, provider.DroppedCount);
        sink.Release.SetResult();
        await provider.DisposeAsync();

        Assert.Equal(5, sink.Entries.Count(e => e.Category == "Tests"));
        var dropped = Assert.Single(sink.Entries, e => e.EventName == "LogEntriesDropped");
        Assert.Contains("16 log entries were dropped", dropped.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Log_DatabaseDown_FallsBackToTheConsoleWriterScrubbed()
    {
        var fallback = new StringWriter();
        var provider = new DatabaseLoggerProvider(
            () => new FailingSink(),
            Options.Create(new DatabaseLoggerOptions { FallbackWriter = fallback, RetryDelay = TimeSpan.FromMilliseconds(1) }));

        provider.CreateLogger("Tests").LogWarning("key test-key-zz9988 rejected");
        await provider.DisposeAsync();

        Assert.Contains("Tests[0] key [redacted] rejected", fallback.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("test-key-", fallback.ToString(), StringComparison.Ordinal);
        Assert.Equal(1, provider.FallbackCount);
    }

    private sealed class BlockingSink : IApplicationLogSink
    {
        public TaskCompletionSource Entered { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<ApplicationLogEntry> Entries { get; } = [];

        public async Task WriteAsync(IReadOnlyList<ApplicationLogEntry> entries, CancellationToken cancellationToken)
        {
            Entered.TrySetResult();
            await Release.Task;
            Entries.AddRange(entries);
        }
    }

    private sealed class FailingSink : IApplicationLogSink
    {
        public Task WriteAsync(IReadOnlyList<ApplicationLogEntry> entries, CancellationToken cancellationToken) =>
            throw new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, "down");
    }
}
