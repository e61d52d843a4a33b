using System.Globalization;
using InvoiceOcr.Sdk.Sqlite.Internal;

namespace InvoiceOcr.Sdk.Sqlite.Tests.Internal;

public sealed class SqliteDatabaseTests
{
    public static TheoryData<DateTimeOffset> Instants => new()
    {
        DateTimeOffset.MinValue,
        DateTimeOffset.MaxValue,
        new DateTimeOffset(2026, 11, 23, 7, 5, 9, TimeSpan.Zero).AddTicks(1),
        new DateTimeOffset(2026, 3, 8, 23, 59, 59, 999, TimeSpan.FromHours(-8)).AddTicks(9_999),
        new DateTimeOffset(999, 1, 2, 3, 4, 5, TimeSpan.FromHours(5.5)),
        new DateTimeOffset(2024, 2, 29, 12, 0, 0, TimeSpan.Zero).AddTicks(1_234_567),
    };

    [Theory]
    [MemberData(nameof(Instants))]
    public void Time_AnyInstant_MatchesTheInvariantUtcFormatAndRoundTrips(DateTimeOffset value)
    {
        var text = SqliteDatabase.Time(value);

        Assert.Equal(value.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss.fffffff", CultureInfo.InvariantCulture), text);
        Assert.Equal(value.UtcTicks, SqliteDatabase.ParseTime(text).UtcTicks);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(2026, 11, 23)]
    [InlineData(9999, 12, 31)]
    [InlineData(987, 6, 5)]
    public void Date_AnyDay_MatchesTheInvariantFormatAndRoundTrips(int year, int month, int day)
    {
        var value = new DateOnly(year, month, day);

        var text = SqliteDatabase.Date(value);

        Assert.Equal(value.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), text);
        Assert.Equal(value, SqliteDatabase.ParseDate(text));
    }

    [Fact]
    public async Task Committed_EveryHundredthCommit_CheckpointsTheLogInTheBackground()
    {
        using var database = new TestDatabase();
        var store = await database.CreateStoreAsync();
        var ct = TestContext.Current.CancellationToken;
        for (var i = 1; i < SqliteDatabase.CommitsPerCheckpoint; i++)
        {
            await store.AppendAsync(new RetryAttemptRecord { OperationId = $"op-{i}", AttemptNumber = 1, CompanyId = "c-1", KeyId = "k-1", ErrorKind = InvoiceOcrErrorKind.ServerError }, ct);
        }

        Assert.Null(store.Database.LastCheckpointResult); // Not before the hundredth commit.
        await store.AppendAsync(new RetryAttemptRecord { OperationId = "op-last", AttemptNumber = 1, CompanyId = "c-1", KeyId = "k-1", ErrorKind = InvoiceOcrErrorKind.ServerError }, ct);
        await store.Database.LastCheckpoint;

        // Started after the hundredth commit (when its connection was released), off the caller's commit: it copied every
        // frame of the log back to the database file (no commit reached the automatic bound, so none did it before).
        var result = Assert.NotNull(store.Database.LastCheckpointResult);
        Assert.Equal(0, result.Busy);
        Assert.True(result.LogFrames >= SqliteDatabase.CommitsPerCheckpoint, $"{result.LogFrames} frames");
        Assert.Equal(result.LogFrames, result.CheckpointedFrames);
    }
}
