using UglyToad.PdfPig;
using UglyToad.PdfPig.Core;
using UglyToad.PdfPig.Tokens;

namespace InvoiceOcr.Emulator.Tokens;

/// <summary>
/// Counts the pages of a PDF by walking its real page tree (the <c>/Page</c> leaves reachable from the catalog's
/// <c>/Pages</c>), never trusting the <c>/Count</c> a file claims: a file that says 9,999,999,999 pages but holds one is
/// one page. Cycles in a malformed tree are counted once.
/// </summary>
internal static class PdfPageCounter
{
    private const int MaxDepth = 64;

    /// <summary>Returns the page count, or <see langword="null"/> when the PDF cannot be opened (corrupt, password-protected).</summary>
    public static int? TryCount(byte[] pdf)
    {
        try
        {
            using var document = PdfDocument.Open(pdf, new ParsingOptions { UseLenientParsing = true, SkipMissingFonts = true });
            var structure = document.Structure;
            if (!structure.Catalog.CatalogDictionary.TryGet(NameToken.Pages, out var root))
            {
                return 0;
            }

            return CountLeaves(structure, root, [], 0);
        }
#pragma warning disable CA1031 // Any failure to parse means "not a readable PDF" to the caller.
        catch (Exception)
#pragma warning restore CA1031
        {
            return null;
        }
    }

    private static int CountLeaves(Structure structure, IToken token, HashSet<IndirectReference> visited, int depth)
    {
        if (depth > MaxDepth)
        {
            return 0;
        }

        if (token is IndirectReferenceToken reference)
        {
            if (!visited.Add(reference.Data))
            {
                return 0;
            }

            token = structure.GetObject(reference.Data).Data;
        }

        if (token is not DictionaryToken node)
        {
            return 0;
        }

        var isPages = node.TryGet(NameToken.Type, out var type) && type is NameToken name && name.Equals(NameToken.Pages);
        var hasKids = node.TryGet(NameToken.Kids, out var kids);
        if (!isPages && !hasKids)
        {
            return 1;
        }

        if (kids is IndirectReferenceToken kidsReference)
        {
            kids = structure.GetObject(kidsReference.Data).Data;
        }

        if (kids is not ArrayToken array)
        {
            return 0;
        }

        var sum = 0;
        foreach (var kid in array.Data)
        {
            sum += CountLeaves(structure, kid, visited, depth + 1);
        }

        return sum;
    }
}
