namespace InvoiceOcr.Emulator.Quotas;

/// <summary>America/Los_Angeles, where the real service's daily quotas reset at midnight (DST aware).</summary>
internal static class PacificTime
{
    private static readonly Lazy<TimeZoneInfo> Zone = new(Load);

    public static TimeZoneInfo TimeZone => Zone.Value;

    /// <summary>Returns the Pacific calendar date of <paramref name="utcNow"/> and the UTC instant of the following Pacific midnight.</summary>
    public static (DateOnly Day, DateTimeOffset NextMidnightUtc) DayOf(DateTimeOffset utcNow)
    {
        var local = TimeZoneInfo.ConvertTime(utcNow, TimeZone);
        var day = DateOnly.FromDateTime(local.DateTime);
        var nextMidnightLocal = day.AddDays(1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        // Midnight is never skipped nor repeated in Los Angeles (DST switches at 02:00), so the offset is unambiguous.
        var offset = TimeZone.GetUtcOffset(nextMidnightLocal);
        return (day, new DateTimeOffset(nextMidnightLocal, offset).ToUniversalTime());
    }

    private static TimeZoneInfo Load()
    {
        if (TimeZoneInfo.TryFindSystemTimeZoneById("America/Los_Angeles", out var zone))
        {
            return zone;
        }

        // No time zone database (minimal containers): the US rules in force since 2007, second Sunday of March to
        // first Sunday of November, 02:00 local.
        var rule = TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(
            new DateTime(2007, 1, 1, 0, 0, 0, DateTimeKind.Unspecified),
            DateTime.MaxValue.Date,
            TimeSpan.FromHours(1),
            TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0, DateTimeKind.Unspecified), 3, 2, DayOfWeek.Sunday),
            TimeZoneInfo.TransitionTime.CreateFloatingDateRule(new DateTime(1, 1, 1, 2, 0, 0, DateTimeKind.Unspecified), 11, 1, DayOfWeek.Sunday));
        return TimeZoneInfo.CreateCustomTimeZone("America/Los_Angeles", TimeSpan.FromHours(-8), "Pacific Time", "Pacific Standard Time", "Pacific Daylight Time", [rule]);
    }
}
