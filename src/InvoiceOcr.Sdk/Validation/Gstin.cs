using System.Text.RegularExpressions;

namespace InvoiceOcr.Sdk.Validation;

/// <summary>India's 15-character GST identification number: format, state code and mod-36 check character.</summary>
internal static partial class Gstin
{
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";

    /// <summary>Normalises a GSTIN as printed: trims and removes spaces, upper-cases.</summary>
    internal static string Normalize(string value) => value.Replace(" ", string.Empty, StringComparison.Ordinal).Trim().ToUpperInvariant();

    /// <summary>Returns whether the value has the GSTIN layout: state code, PAN (holder type in the 4th place), entity number, <c>Z</c>, check character.</summary>
    internal static bool HasValidFormat(string gstin) => FormatRegex().IsMatch(gstin) && gstin.AsSpan(7, 4) is not "0000" && GstStates.IsKnownCode(gstin[..2]);

    /// <summary>Computes the check character over the first 14 characters (Luhn mod 36, GEMINI_NOTES §E.4).</summary>
    /// <param name="first14">At least the first 14 characters, upper-case alphanumerics.</param>
    /// <returns>The expected 15th character.</returns>
    internal static char ComputeCheckCharacter(ReadOnlySpan<char> first14)
    {
        if (first14.Length < 14)
        {
            throw new ArgumentException("A GSTIN check character is computed over 14 characters.", nameof(first14));
        }

        var sum = 0;
        for (var i = 0; i < 14; i++)
        {
            var value = Alphabet.IndexOf(first14[i], StringComparison.Ordinal);
            if (value < 0)
            {
                throw new ArgumentException($"'{first14[i]}' is not a GSTIN character.", nameof(first14));
            }

            var product = value * (i % 2 == 0 ? 1 : 2);
            sum += (product / 36) + (product % 36);
        }

        return Alphabet[(36 - (sum % 36)) % 36];
    }

    /// <summary>Returns whether a format-valid GSTIN carries the right check character.</summary>
    internal static bool HasValidCheckCharacter(string gstin) => ComputeCheckCharacter(gstin.AsSpan(0, 14)) == gstin[14];

    [GeneratedRegex("^[0-9]{2}[A-Z]{3}[ABCFGHLJPTK][A-Z][0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$", RegexOptions.CultureInvariant)]
    private static partial Regex FormatRegex();
}

/// <summary>GST state and union-territory codes (the first two digits of a GSTIN and the place-of-supply code).</summary>
internal static class GstStates
{
    private static readonly Dictionary<string, string> NamesByCode = new(StringComparer.Ordinal)
    {
        ["01"] = "Jammu and Kashmir", ["02"] = "Himachal Pradesh", ["03"] = "Punjab", ["04"] = "Chandigarh",
        ["05"] = "Uttarakhand", ["06"] = "Haryana", ["07"] = "Delhi", ["08"] = "Rajasthan", ["09"] = "Uttar Pradesh",
        ["10"] = "Bihar", ["11"] = "Sikkim", ["12"] = "Arunachal Pradesh", ["13"] = "Nagaland", ["14"] = "Manipur",
        ["15"] = "Mizoram", ["16"] = "Tripura", ["17"] = "Meghalaya", ["18"] = "Assam", ["19"] = "West Bengal",
        ["20"] = "Jharkhand", ["21"] = "Odisha", ["22"] = "Chhattisgarh", ["23"] = "Madhya Pradesh", ["24"] = "Gujarat",
        ["25"] = "Daman and Diu", ["26"] = "Dadra and Nagar Haveli and Daman and Diu", ["27"] = "Maharashtra",
        ["28"] = "Andhra Pradesh (before 2014)", ["29"] = "Karnataka", ["30"] = "Goa", ["31"] = "Lakshadweep",
        ["32"] = "Kerala", ["33"] = "Tamil Nadu", ["34"] = "Puducherry", ["35"] = "Andaman and Nicobar Islands",
        ["36"] = "Telangana", ["37"] = "Andhra Pradesh", ["38"] = "Ladakh", ["97"] = "Other Territory",
        ["99"] = "Centre Jurisdiction",
    };

    // Names as printed on invoices, longest first so "Dadra and Nagar Haveli and Daman and Diu" wins over "Daman and Diu".
    private static readonly (string Name, string Code)[] Aliases =
    [
        .. NamesByCode.Where(p => p.Key is not "28").Select(p => (p.Value, p.Key)),
        ("Dadra and Nagar Haveli", "26"), ("Jammu & Kashmir", "01"), ("Andaman & Nicobar", "35"), ("Orissa", "21"),
        ("Pondicherry", "34"), ("New Delhi", "07"), ("NCT of Delhi", "07"), ("Uttaranchal", "05"),
    ];

    private static readonly (string Name, string Code)[] AliasesLongestFirst = [.. Aliases.OrderByDescending(a => a.Name.Length)];

    /// <summary>Returns whether the two-digit code names a state or territory.</summary>
    internal static bool IsKnownCode(string code) => NamesByCode.ContainsKey(code);

    /// <summary>Returns the state's name for a code.</summary>
    internal static string? NameOf(string code) => NamesByCode.GetValueOrDefault(code);

    /// <summary>
    /// Reads a place of supply as printed ("27-Maharashtra", "Maharashtra (27)", "27", "Karnataka") into a state code.
    /// </summary>
    /// <returns>The two-digit code, or <see langword="null"/> when no state is recognised.</returns>
    internal static string? ParsePlaceOfSupply(string placeOfSupply)
    {
        var text = placeOfSupply.Trim();
        for (var i = 0; i + 1 < text.Length; i++)
        {
            if (char.IsAsciiDigit(text[i]) && char.IsAsciiDigit(text[i + 1]) &&
                (i + 2 == text.Length || !char.IsAsciiDigit(text[i + 2])) && (i == 0 || !char.IsAsciiDigit(text[i - 1])))
            {
                var code = text.Substring(i, 2);
                if (IsKnownCode(code))
                {
                    return code;
                }
            }
        }

        foreach (var (name, code) in AliasesLongestFirst)
        {
            if (text.Contains(name, StringComparison.OrdinalIgnoreCase))
            {
                return code;
            }
        }

        return null;
    }
}
