using System.Text.RegularExpressions;

namespace InvoiceOcr.Sdk.Validation;

/// <summary>VAT identification number formats of the EU member states (VIES), Northern Ireland (XI), the UK, Switzerland and Norway.</summary>
internal static class VatIds
{
    private static readonly Dictionary<string, Regex> Patterns = new(StringComparer.Ordinal)
    {
        ["AT"] = Create(@"U\d{8}"),
        ["BE"] = Create(@"[01]\d{9}"),
        ["BG"] = Create(@"\d{9,10}"),
        ["CY"] = Create(@"\d{8}[A-Z]"),
        ["CZ"] = Create(@"\d{8,10}"),
        ["DE"] = Create(@"\d{9}"),
        ["DK"] = Create(@"\d{8}"),
        ["EE"] = Create(@"\d{9}"),
        ["EL"] = Create(@"\d{9}"),
        ["GR"] = Create(@"\d{9}"),
        ["ES"] = Create(@"[A-Z0-9]\d{7}[A-Z0-9]"),
        ["FI"] = Create(@"\d{8}"),
        ["FR"] = Create(@"[A-HJ-NP-Z0-9]{2}\d{9}"),
        ["HR"] = Create(@"\d{11}"),
        ["HU"] = Create(@"\d{8}"),
        ["IE"] = Create(@"(\d{7}[A-WY][A-I]?|\d[A-Z+*]\d{5}[A-W])"),
        ["IT"] = Create(@"\d{11}"),
        ["LT"] = Create(@"(\d{9}|\d{12})"),
        ["LU"] = Create(@"\d{8}"),
        ["LV"] = Create(@"\d{11}"),
        ["MT"] = Create(@"\d{8}"),
        ["NL"] = Create(@"\d{9}B\d{2}"),
        ["PL"] = Create(@"\d{10}"),
        ["PT"] = Create(@"\d{9}"),
        ["RO"] = Create(@"[1-9]\d{1,9}"),
        ["SE"] = Create(@"\d{10}01"),
        ["SI"] = Create(@"\d{8}"),
        ["SK"] = Create(@"\d{10}"),
        ["XI"] = Create(@"(\d{9}|\d{12}|GD[0-4]\d{2}|HA[5-9]\d{2})"),
        ["GB"] = Create(@"(\d{9}|\d{12}|GD[0-4]\d{2}|HA[5-9]\d{2})"),
        ["CH"] = Create(@"E\d{9}(MWST|TVA|IVA)?"),
        ["NO"] = Create(@"\d{9}(MVA)?"),
    };

    /// <summary>Gets the country prefixes with a known format.</summary>
    internal static IEnumerable<string> Countries => Patterns.Keys;

    /// <summary>Removes spaces, dots and hyphens and upper-cases the id.</summary>
    internal static string Normalize(string vatId)
    {
        Span<char> buffer = stackalloc char[Math.Min(vatId.Length, 64)];
        var length = 0;
        foreach (var c in vatId.AsSpan(0, Math.Min(vatId.Length, 64)))
        {
            if (c is ' ' or '.' or '-' or '\u00A0')
            {
                continue;
            }

            buffer[length++] = char.ToUpperInvariant(c);
        }

        return new string(buffer[..length]);
    }

    /// <summary>Checks a VAT id's format.</summary>
    /// <param name="vatId">The VAT id as printed.</param>
    /// <param name="country">The country prefix, when it is known.</param>
    /// <returns><see langword="true"/> when the prefix is known and the rest matches the country's format.</returns>
    internal static bool IsValid(string vatId, out string? country)
    {
        var normalized = Normalize(vatId);
        country = normalized.Length >= 2 && Patterns.ContainsKey(normalized[..2]) ? normalized[..2] : null;
        return country is not null && Patterns[country].IsMatch(normalized.AsSpan(2));
    }

    private static Regex Create(string body) => new("^" + body + "$", RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromSeconds(1));
}
