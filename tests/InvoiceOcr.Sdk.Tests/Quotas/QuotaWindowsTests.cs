namespace InvoiceOcr.Sdk.Tests.Quotas;

public sealed class QuotaWindowsTests
{
    [Fact]
    public void MinuteStart_AnyInstant_TruncatesToTheUtcMinute()
    {
        var now = new DateTimeOffset(2026, 11, 23, 2, 3, 59, 999, TimeSpan.FromHours(-8));

        Assert.Equal(new DateTimeOffset(2026, 11, 23, 10, 3, 0, TimeSpan.Zero), QuotaWindows.MinuteStart(now));
        Assert.Equal(new DateTimeOffset(2026, 11, 23, 10, 4, 0, TimeSpan.Zero), QuotaWindows.MinuteEnd(now));
    }

    [Theory]
    [InlineData("2026-11-23T07:59:59Z", "2026-11-22", "2026-11-22T08:00:00Z", "2026-11-23T08:00:00Z")] // standard time
    [InlineData("2026-11-23T08:00:00Z", "2026-11-23", "2026-11-23T08:00:00Z", "2026-11-24T08:00:00Z")]
    [InlineData("2026-07-04T06:59:59Z", "2026-07-03", "2026-07-03T07:00:00Z", "2026-07-04T07:00:00Z")] // daylight time
    [InlineData("2026-03-08T12:00:00Z", "2026-03-08", "2026-03-08T08:00:00Z", "2026-03-09T07:00:00Z")] // 23-hour day
    [InlineData("2026-11-01T12:00:00Z", "2026-11-01", "2026-11-01T07:00:00Z", "2026-11-02T08:00:00Z")] // 25-hour day
    public void DayWindow_PacificCalendarDay_StartsAndEndsAtPacificMidnight(string now, string day, string start, string end)
    {
        var instant = DateTimeOffset.Parse(now, System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture), QuotaWindows.PacificDay(instant));
        Assert.Equal(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture), QuotaWindows.DayStart(instant));
        Assert.Equal(DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture), QuotaWindows.DayEnd(instant));
    }
}
