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

    public static string Count(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Plain(long value) => value.ToString(CultureInfo.InvariantCulture);

    public static string Source(Invoice invoice) => invoice.Source.Kind == InvoiceSourceKind.EmbeddedXml
        ? "e-invoice XML" + (invoice.Source.Format is { } format ? $" ({format})" : string.Empty)
        : "model";

    /// <summary>A table cell from untrusted text: never parsed as Spectre markup.</summary>
    public static IRenderable Cell(string? text) => new Text(string.IsNullOrEmpty(text) ? None : text);

    public static IRenderable Right(string text) => new Text(text).RightJustified();
}
