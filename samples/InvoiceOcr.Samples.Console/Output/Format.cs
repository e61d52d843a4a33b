using System.Globalization;
using InvoiceOcr.Sdk;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace InvoiceOcr.Samples.ConsoleApp.Output;

/// <summary>Culture-invariant formatting shared by tables and CSV.</summary>
internal static class Format
{
    public const string None = "-";

    public static string Amount(decimal? value) => value?.ToString("#,0.00##", CultureInfo.InvariantCulture) ?? None;

    public static string Date(DateOnly? value) => value?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? None;

    /// <summary>A ledger cost: six decimals (an invoice costs fractions of a cent) and its currency; "0" when no row had a price.</summary>
    public static string Money(decimal value, string? currency) =>
        currency is null && value == 0 ? "0" : string.Create(CultureInfo.InvariantCulture, $"{value:#,0.000000} {currency}").TrimEnd();

    public static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Plain(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Source(Invoice invoice) => invoice.Source.Kind == InvoiceSourceKind.EmbeddedXml
        ? "e-invoice XML" + (invoice.Source.Format is { } format ? $" ({format})" : string.Empty)
        : "model";

    /// <summary>A table cell from untrusted text: never parsed as Spectre markup.</summary>
    public static IRenderable Cell(string? text) => new Text(string.IsNullOrEmpty(text) ? None : text);

    public static IRenderable Right(string text) => new Text(text).RightJustified();
}
