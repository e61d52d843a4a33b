namespace InvoiceOcr.Samples.ConsoleApp.Output;

/// <summary>RFC 4180 CSV fields: quoted when they hold a comma, quote or line break; formula prefixes neutralised.</summary>
internal static class Csv
{
    public static string Line(params string?[] fields) => string.Join(',', fields.Select(Field)) + "\n";

    public static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        // A cell starting with = + - @ is a formula to spreadsheet programs; invoice text is untrusted, so prefix a quote
        // (numbers, which may be negative, are written by the app and never reach here with letters).
        if (value[0] is '=' or '+' or '@' || (value[0] == '-' && !decimal.TryParse(value, System.Globalization.NumberStyles.Number, System.Globalization.CultureInfo.InvariantCulture, out _)))
        {
            value = "'" + value;
        }

        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
