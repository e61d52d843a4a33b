using System.Globalization;
using System.Xml.Linq;

namespace InvoiceOcr.Sdk.EInvoices;

/// <summary>Namespace-agnostic navigation helpers: CII versions differ in namespaces, so elements are matched by local name.</summary>
internal static class XmlNav
{
    /// <summary>Returns the first child whose local name is one of <paramref name="names"/>.</summary>
    internal static XElement? El(this XElement? element, params ReadOnlySpan<string> names)
    {
        if (element is null)
        {
            return null;
        }

        foreach (var child in element.Elements())
        {
            foreach (var name in names)
            {
                if (child.Name.LocalName == name)
                {
                    return child;
                }
            }
        }

        return null;
    }

    /// <summary>Returns every child whose local name is <paramref name="name"/>.</summary>
    internal static IEnumerable<XElement> Els(this XElement? element, string name) =>
        element is null ? [] : element.Elements().Where(e => e.Name.LocalName == name);

    /// <summary>Returns the trimmed text, or <see langword="null"/> when absent or blank.</summary>
    internal static string? Text(this XElement? element) =>
        element is null || string.IsNullOrWhiteSpace(element.Value) ? null : element.Value.Trim();

    /// <summary>Returns an attribute's value, or <see langword="null"/>.</summary>
    internal static string? Attr(this XElement? element, string name) => element?.Attribute(name)?.Value.Trim() is { Length: > 0 } v ? v : null;

    /// <summary>Parses a decimal in XML Schema lexical form (invariant culture).</summary>
    internal static decimal? Decimal(this XElement? element) =>
        element.Text() is { } text && decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>Parses an ISO 8601 date (<c>yyyy-MM-dd</c>), as UBL writes it.</summary>
    internal static DateOnly? IsoDate(this XElement? element) =>
        element.Text() is { } text && DateOnly.TryParseExact(text.Length > 10 ? text[..10] : text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d) ? d : null;

    /// <summary>
    /// Parses a CII date: the element itself or its <c>DateTimeString</c>/<c>DateString</c> child, with format 102
    /// (<c>yyyyMMdd</c>) or, without a format, ISO 8601. Month (610) and week (616) precision yield <see langword="null"/>.
    /// </summary>
    internal static DateOnly? CiiDate(this XElement? element)
    {
        var value = element.El("DateTimeString", "DateString") ?? element;
        if (value.Text() is not { } text)
        {
            return null;
        }

        var format = value.Attr("format");
        if (format is null or "102" && DateOnly.TryParseExact(text, "yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var compact))
        {
            return compact;
        }

        return format is null && DateOnly.TryParseExact(text.Length > 10 ? text[..10] : text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var iso) ? iso : null;
    }

    /// <summary>
    /// Returns the price of one unit. E-invoices may state the net price per a base quantity (BT-149, e.g. per 100
    /// pieces). Some producers fill the base quantity with the billed quantity by mistake; the interpretation that
    /// reproduces the line's net amount wins.
    /// </summary>
    internal static decimal? UnitPrice(decimal? price, decimal? baseQuantity, decimal? quantity, decimal? amount, decimal? discount)
    {
        if (price is not { } p || baseQuantity is not { } basis || basis == 0m || basis == 1m)
        {
            return price;
        }

        var perUnit = Math.Round(p / basis, 6, MidpointRounding.AwayFromZero);
        if (quantity is { } q && amount is { } a)
        {
            var net = discount ?? 0m;
            var perUnitFits = Math.Abs((q * perUnit) - net - a) <= 0.01m;
            var asIsFits = Math.Abs((q * p) - net - a) <= 0.01m;
            if (asIsFits && !perUnitFits)
            {
                return p;
            }
        }

        return perUnit;
    }

    /// <summary>Joins the non-blank values with a separator, or returns <see langword="null"/> when all are blank.</summary>
    internal static string? Join(string separator, IEnumerable<string?> values)
    {
        var parts = values.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!.Trim()).ToList();
        return parts.Count == 0 ? null : string.Join(separator, parts);
    }

    /// <summary>Maps a UNTDID 1001 document type code to the SDK's document type.</summary>
    internal static InvoiceDocumentType DocumentType(string? code, InvoiceDocumentType fallback) => code switch
    {
        null => fallback,
        "381" or "396" or "532" => InvoiceDocumentType.CreditNote,
        "383" => InvoiceDocumentType.DebitNote,
        "384" => InvoiceDocumentType.CorrectedInvoice,
        "386" => InvoiceDocumentType.PrepaymentInvoice,
        "389" => InvoiceDocumentType.SelfBilledInvoice,
        "261" => InvoiceDocumentType.SelfBilledCreditNote,
        "325" => InvoiceDocumentType.ProFormaInvoice,
        "380" or "387" or "388" or "393" or "394" or "395" or "80" or "82" or "84" or "130" or "202" or "203" or "204"
            or "211" or "218" or "219" or "295" or "326" or "331" or "382" or "456" or "457" or "527" or "575" or "623"
            or "633" or "751" or "780" or "875" or "876" or "877" or "935" => InvoiceDocumentType.Invoice,
        _ => InvoiceDocumentType.Other,
    };
}
