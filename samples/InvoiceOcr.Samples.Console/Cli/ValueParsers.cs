using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace InvoiceOcr.Samples.ConsoleApp.Cli;

/// <summary>
/// Parsers for every typed option and argument. System.CommandLine's own messages name .NET types
/// (<c>System.Nullable`1[System.DateOnly]</c>) and its validators may read a value that did not parse (and throw), so
/// every non-string value goes through one of these: a plain message naming the option, the expected form and an
/// example, reported as bad usage (exit code 2).
/// </summary>
internal static class ValueParsers
{
    private static readonly string[] DayFormats = ["yyyy-MM-dd"];

    /// <summary>A day as <c>yyyy-MM-dd</c>.</summary>
    public static Option<DateOnly?> Day(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "yyyy-MM-dd",
        CustomParser = result =>
        {
            var text = Single(result);
            if (DateOnly.TryParseExact(text, DayFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                return day;
            }

            result.AddError($"{NameOf(result)} must be a day written yyyy-MM-dd (for example 2026-11-01), not '{text}'.");
            return null;
        },
    };

    /// <summary>An instant in ISO 8601: a day (midnight UTC) or a date and time with an offset or <c>Z</c>.</summary>
    public static Option<DateTimeOffset?> Instant(string name, string description) => new(name)
    {
        Description = description,
        HelpName = "when",
        CustomParser = result =>
        {
            var text = Single(result);
            if (DateOnly.TryParseExact(text, DayFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
            {
                return new DateTimeOffset(day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            }

            // A time without an offset would depend on this machine's zone: assume UTC, as the help says.
            if (text.Contains('T', StringComparison.Ordinal)
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant))
            {
                return instant;
            }

            result.AddError($"{NameOf(result)} must be a day or a date and time in ISO 8601 (for example 2026-12-31 or 2026-12-31T23:59Z), not '{text}'.");
            return null;
        },
    };

    /// <summary>A whole number of at least <paramref name="minimum"/>.</summary>
    public static Option<int?> Int(string name, string description, int minimum = 0, int maximum = int.MaxValue) => new(name)
    {
        Description = description,
        HelpName = "n",
        CustomParser = result => ParseInt(result, minimum, maximum),
    };

    /// <summary>A whole number of at least <paramref name="minimum"/>.</summary>
    public static Option<long?> Long(string name, string description, long minimum = 0) => new(name)
    {
        Description = description,
        HelpName = "n",
        CustomParser = result => ParseWhole(result, minimum, long.MaxValue),
    };

    /// <summary>Parses a whole number from <paramref name="minimum"/> to <paramref name="maximum"/>; <see langword="null"/> (with an error) otherwise.</summary>
    public static int? ParseInt(ArgumentResult result, int minimum, int maximum) => (int?)ParseWhole(result, minimum, maximum);

    /// <summary>A member of <typeparamref name="TEnum"/> by name, case-insensitively; numbers are refused.</summary>
    public static TEnum? ParseEnum<TEnum>(ArgumentResult result)
        where TEnum : struct, Enum
    {
        var text = Single(result);
        if (!string.IsNullOrEmpty(text) && !char.IsAsciiDigit(text[0]) && text[0] != '-' && Enum.TryParse<TEnum>(text, ignoreCase: true, out var value) && Enum.IsDefined(value))
        {
            return value;
        }

        result.AddError($"{NameOf(result)} must be one of {string.Join(", ", Enum.GetNames<TEnum>())}, not '{text}'.");
        return null;
    }

    /// <summary>Gets the value of a typed option, or <see langword="null"/> when it was not given or did not parse (its error is reported anyway).</summary>
    public static T? ValueIfValid<T>(CommandResult result, Option<T> option)
    {
        ArgumentNullException.ThrowIfNull(result);
        try
        {
            return result.GetValue(option);
        }
        catch (InvalidOperationException)
        {
            // System.CommandLine converts lazily and signals a failed conversion by throwing; the parser reports the error itself.
            return default;
        }
    }

    private static long? ParseWhole(ArgumentResult result, long minimum, long maximum)
    {
        var text = Single(result);
        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) && value >= minimum && value <= maximum)
        {
            return value;
        }

        var unbounded = maximum is long.MaxValue or int.MaxValue;
        var range = (minimum is long.MinValue or int.MinValue, unbounded) switch
        {
            (true, true) => string.Empty,
            (false, true) => string.Create(CultureInfo.InvariantCulture, $" {minimum} or more"),
            _ => string.Create(CultureInfo.InvariantCulture, $" from {minimum} to {maximum}"),
        };
        result.AddError($"{NameOf(result)} must be a whole number{range}, not '{text}'.");
        return null;
    }

    private static string Single(ArgumentResult result) => result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Join(' ', result.Tokens.Select(t => t.Value));

    /// <summary>The option's name (<c>--from</c>) or the argument's (<c>status</c>).</summary>
    private static string NameOf(ArgumentResult result) => result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
