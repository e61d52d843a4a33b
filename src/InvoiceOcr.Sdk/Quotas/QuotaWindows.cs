using System.Runtime.InteropServices;

namespace InvoiceOcr.Sdk;

/// <summary>
/// The quota windows the SDK enforces, shared by every store so they agree to the tick: the minute window is the
/// UTC minute; the day window is the calendar day in America/Los_Angeles (the service resets daily quotas at
/// Pacific midnight), computed with <see cref="TimeZoneInfo"/> so days of 23 and 25 hours (DST) are right.
/// </summary>
public static class QuotaWindows
{
    private static readonly Lazy<TimeZoneInfo> PacificZone = new(FindPacific);

    /// <summary>Gets the America/Los_Angeles time zone.</summary>
    public static TimeZoneInfo Pacific => PacificZone.Value;

    /// <summary>Returns the start of the UTC minute that contains <paramref name="now"/>.</summary>
    /// <param name="now">The instant.</param>
    /// <returns>The minute's start, in UTC.</returns>
    public static DateTimeOffset MinuteStart(DateTimeOffset now)
    {
        var utc = now.UtcTicks;
        return new DateTimeOffset(utc - (utc % TimeSpan.TicksPerMinute), TimeSpan.Zero);
    }

    /// <summary>Returns the end (exclusive) of the UTC minute that contains <paramref name="now"/>.</summary>
    /// <param name="now">The instant.</param>
    /// <returns>The next minute's start, in UTC.</returns>
    public static DateTimeOffset MinuteEnd(DateTimeOffset now) => MinuteStart(now).AddMinutes(1);

    /// <summary>Returns the Pacific calendar day that contains <paramref name="now"/>.</summary>
    /// <param name="now">The instant.</param>
    /// <returns>The date in America/Los_Angeles.</returns>
    public static DateOnly PacificDay(DateTimeOffset now) => DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(now, Pacific).DateTime);

    /// <summary>Returns the instant of the Pacific midnight that starts the day containing <paramref name="now"/>.</summary>
    /// <param name="now">The instant.</param>
    /// <returns>The day's start, in UTC.</returns>
    public static DateTimeOffset DayStart(DateTimeOffset now) => PacificMidnight(PacificDay(now));

    /// <summary>Returns the next Pacific midnight after <paramref name="now"/>, when daily quotas reset.</summary>
    /// <param name="now">The instant.</param>
    /// <returns>The next day's start, in UTC.</returns>
    public static DateTimeOffset DayEnd(DateTimeOffset now) => PacificMidnight(PacificDay(now).AddDays(1));

    /// <summary>Returns the UTC instant of midnight at the start of a Pacific calendar day.</summary>
    /// <param name="day">The Pacific date.</param>
    /// <returns>The instant, in UTC.</returns>
    public static DateTimeOffset PacificMidnight(DateOnly day)
    {
        // Midnight is never skipped nor repeated in America/Los_Angeles (DST changes at 02:00), so it maps to one instant.
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        return new DateTimeOffset(TimeZoneInfo.ConvertTimeToUtc(local, Pacific), TimeSpan.Zero);
    }

    private static TimeZoneInfo FindPacific()
    {
        if (TimeZoneInfo.TryFindSystemTimeZoneById("America/Los_Angeles", out var zone))
        {
            return zone;
        }

        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) &&
            TimeZoneInfo.TryFindSystemTimeZoneById("Pacific Standard Time", out zone))
        {
            return zone;
        }

        throw new TimeZoneNotFoundException("The America/Los_Angeles time zone is not installed; daily quota windows cannot be computed.");
    }
}
