using UglyToad.PdfPig;
using UglyToad.PdfPig.Tokens;

namespace InvoiceOcr.Sdk.EInvoices;

/// <summary>Reads the PDF/A-3 associated files listed in the document catalog's <c>/AF</c> array (ISO 19005-3), which Factur-X uses for its XML.</summary>
internal static class AssociatedFiles
{
    private static readonly NameToken Af = NameToken.Create("AF");
    private static readonly NameToken Ef = NameToken.Create("EF");
    private static readonly NameToken Uf = NameToken.Create("UF");

    /// <summary>
    /// Returns each associated file's name and decoded bytes. Entries that cannot be resolved are skipped, and a
    /// catalog whose /AF structure is damaged yields nothing: this is a fallback, so it never turns a readable PDF into an error.
    /// </summary>
    internal static List<(string Name, byte[] Bytes)> Read(PdfDocument document)
    {
        try
        {
            return ReadCore(document);
        }
        catch (Exception ex) when (ex is UglyToad.PdfPig.Core.PdfDocumentFormatException or InvalidOperationException or ArgumentException or IndexOutOfRangeException or InvalidCastException or KeyNotFoundException or FormatException or OverflowException or EndOfStreamException or IOException or NotSupportedException)
        {
            return [];
        }
    }

    private static List<(string Name, byte[] Bytes)> ReadCore(PdfDocument document)
    {
        var files = new List<(string, byte[])>();
        var structure = document.Structure;
        if (!structure.Catalog.CatalogDictionary.TryGet(Af, out var afToken) || Resolve(afToken, structure) is not ArrayToken array)
        {
            return files;
        }

        foreach (var item in array.Data)
        {
            if (Resolve(item, structure) is not DictionaryToken specification ||
                !specification.TryGet(Ef, out var efToken) || Resolve(efToken, structure) is not DictionaryToken embedded ||
                !embedded.TryGet(NameToken.F, out var fileToken) || Resolve(fileToken, structure) is not StreamToken stream)
            {
                continue;
            }

            var name = Text(specification, Uf, structure) ?? Text(specification, NameToken.F, structure) ?? "attachment";
            var data = stream.Data;
            var filters = structure.FilterProvider.GetFilters(stream.StreamDictionary);
            for (var i = 0; i < filters.Count; i++)
            {
                data = filters[i].Decode(data, stream.StreamDictionary, structure.FilterProvider, i);
            }

            files.Add((Path.GetFileName(name), data.ToArray()));
        }

        return files;
    }

    private static string? Text(DictionaryToken dictionary, NameToken key, Structure structure) =>
        dictionary.TryGet(key, out var token) ? Resolve(token, structure) switch
        {
            StringToken s => s.Data,
            HexToken h => h.Data,
            _ => null,
        } : null;

    private static IToken? Resolve(IToken token, Structure structure) =>
        token is IndirectReferenceToken reference ? structure.GetObject(reference.Data)?.Data : token;
}
