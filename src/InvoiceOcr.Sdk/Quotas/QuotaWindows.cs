using System.Runtime.InteropServices;
using InvoiceOcr.Sdk.Storage;

namespace InvoiceOcr.Sdk;

/// <summary>
/// The quota windows the SDK enforces, shared by every store so they agree to the tick. The per-minute window slides:
/// it is counted in one-second slots, and a request is admitted only when it fits together with everything counted in
/// its own slot and the <see cref="SlidingMinuteSlots"/> - 1 slots before it, so no 60-second span (wherever it starts)
/// ever admits more than the per-minute limits. The day window is the calendar day in America/Los_Angeles (the service
/// resets daily quotas at Pacific midnight), computed with <see cref="TimeZoneInfo"/> so days of 23 and 25 hours (DST)
/// are right.
/// </summary>
/// <remarks>
/// Why 61 slots and not 60: a 60-second span that starts inside a slot touches 61 slots. Each slot also records when it
/// last counted a request, so the oldest slot is skipped once everything in it is 60 seconds old or older: the window is
/// exactly "the 60 seconds before now" at slot boundaries and errs on the safe side only for a slot that straddles the
/// boundary. A steady stream at exactly the per-minute limit is admitted in full at up to one request a second, and at
/// 60/61 (98.4 %) or better above that. One row per key or project and second (pruned after two minutes), never one per
/// request.
/// </remarks>
public static class QuotaWindows
{
    private static readonly Lazy<TimeZoneInfo> PacificZone = new(FindPacific);

    /// <summary>Gets the America/Los_Angeles time zone.</summary>
    public static TimeZoneInfo Pacific => PacificZone.Value;

    /// <summary>The number of one-second slots the sliding per-minute window counts: the current slot and the 60 before it.</summary>
    public const int SlidingMinuteSlots = 61;

    /// <summary>Gets the length of one slot of the sliding per-minute window.</summary>
    public static TimeSpan SlotLength { get; } = TimeSpan.FromSeconds(1);

    /// <summary>Returns the start of the one-second slot that contains <paramref name="now"/>: where an admission at <paramref name="now"/> is counted.</summary>
    /// <param name="now">The instant.</param>
    /// <returns>The slot's start, in UTC.</returns>
    public static DateTimeOffset SlotStart(DateTimeOffset now)
    {
        var utc = now.UtcTicks;
        return new DateTimeOffset(utc - (utc % TimeSpan.TicksPerSecond), TimeSpan.Zero);
    }

    /// <summary>Returns the start of the oldest slot the sliding per-minute window counts at <paramref name="now"/> (60 slots before <see cref="SlotStart"/>).</summary>
    /// <param name="now">The instant.</param>
    /// <returns>The window's first slot, in UTC.</returns>
    public static DateTimeOffset SlidingMinuteStart(DateTimeOffset now) => SlotStart(now).AddTicks(-(SlidingMinuteSlots - 1) * TimeSpan.TicksPerSecond);

    /// <summary>Returns the instant 60 seconds before <paramref name="now"/>: requests counted at or before it have left the sliding per-minute window.</summary>
    /// <param name="now">The instant.</param>
    /// <returns>The instant.</returns>
    public static DateTimeOffset SlidingMinuteSince(DateTimeOffset now) => now.AddMinutes(-1);

    /// <summary>Returns when what is counted in the slot starting at <paramref name="slotStart"/> leaves the sliding per-minute window whatever its last count.</summary>
    /// <param name="slotStart">A slot's start.</param>
    /// <returns>The first instant whose window no longer counts the slot.</returns>
    public static DateTimeOffset SlotLeavesWindow(DateTimeOffset slotStart) => slotStart.AddTicks(SlidingMinuteSlots * TimeSpan.TicksPerSecond);

    /// <summary>Returns when what is counted in <paramref name="slot"/> leaves the sliding per-minute window: 60 seconds after its last count (when known).</summary>
    /// <param name="slot">A slot.</param>
    /// <returns>The first instant whose window no longer counts the slot.</returns>
    public static DateTimeOffset SlotLeavesWindow(in QuotaSlot slot) => slot.LastCounted is { } last ? last.AddMinutes(1) : SlotLeavesWindow(slot.Start);

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
