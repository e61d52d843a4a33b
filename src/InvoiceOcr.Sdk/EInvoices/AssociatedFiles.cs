using UglyToad.PdfPig;
using UglyToad.PdfPig.Tokens;

namespace InvoiceOcr.Sdk.EInvoices;

/// <summary>
/// Finds a PDF's attachments without decoding them: the <c>/EmbeddedFiles</c> name tree, else the PDF/A-3 associated files
/// listed in the document catalog's <c>/AF</c> array (ISO 19005-3), which Factur-X uses for its XML.
/// </summary>
/// <remarks>
/// Only the file specifications are read here; the bytes are inflated later, through a capped stream, and only for files that
/// can be e-invoices (<see cref="EInvoiceAttachments"/>). The walk is bounded: at most <see cref="MaxFiles"/> files, name-tree
/// nodes at most <see cref="MaxTreeDepth"/> deep and each visited once, so a looping or huge tree cannot keep it busy.
/// </remarks>
internal static class AssociatedFiles
{
    /// <summary>The most attachments considered in one PDF (hybrid e-invoices carry one XML and perhaps a few supporting files).</summary>
    internal const int MaxFiles = 64;

    /// <summary>The deepest name-tree node visited.</summary>
    internal const int MaxTreeDepth = 32;

    private const int MaxTreeNodes = 1024;

    private static readonly NameToken Af = NameToken.Create("AF");
    private static readonly NameToken Ef = NameToken.Create("EF");
    private static readonly NameToken Uf = NameToken.Create("UF");

    /// <summary>
    /// Returns the attachments' specifications: the name tree's when it lists any, else the <c>/AF</c> array's. Entries that
    /// cannot be resolved are skipped.
    /// </summary>
    /// <param name="document">The open PDF.</param>
    internal static List<AttachmentSpec> Find(PdfDocument document)
    {
        var structure = document.Structure;
        var files = new List<AttachmentSpec>();
        var catalog = structure.Catalog.CatalogDictionary;
        if (catalog.TryGet(NameToken.Names, out var namesToken) && Resolve(namesToken, structure) is DictionaryToken names &&
            names.TryGet(NameToken.EmbeddedFiles, out var treeToken) && Resolve(treeToken, structure) is DictionaryToken tree)
        {
            var visited = new HashSet<DictionaryToken>(ReferenceEqualityComparer.Instance);
            WalkNameTree(tree, structure, files, visited, depth: 0);
        }

        if (files.Count == 0 && catalog.TryGet(Af, out var afToken) && Resolve(afToken, structure) is ArrayToken array)
        {
            foreach (var item in array.Data)
            {
                if (files.Count >= MaxFiles)
                {
                    break;
                }

                if (Resolve(item, structure) is DictionaryToken specification && Spec(specification, treeName: null, structure) is { } spec)
                {
                    files.Add(spec);
                }
            }
        }

        return files;
    }

    private static void WalkNameTree(DictionaryToken node, Structure structure, List<AttachmentSpec> files, HashSet<DictionaryToken> visited, int depth)
    {
        if (depth > MaxTreeDepth || visited.Count >= MaxTreeNodes || !visited.Add(node))
        {
            return;
        }

        if (node.TryGet(NameToken.Names, out var namesToken) && Resolve(namesToken, structure) is ArrayToken pairs)
        {
            for (var i = 0; i + 1 < pairs.Data.Count && files.Count < MaxFiles; i += 2)
            {
                var key = Resolve(pairs.Data[i], structure) switch
                {
                    StringToken s => s.Data,
                    HexToken h => h.Data,
                    _ => null,
                };
                if (Resolve(pairs.Data[i + 1], structure) is DictionaryToken specification && Spec(specification, key, structure) is { } spec)
                {
                    files.Add(spec);
                }
            }
        }

        if (node.TryGet(NameToken.Kids, out var kidsToken) && Resolve(kidsToken, structure) is ArrayToken kids)
        {
            foreach (var kid in kids.Data)
            {
                if (files.Count >= MaxFiles)
                {
                    return;
                }

                if (Resolve(kid, structure) is DictionaryToken child)
                {
                    WalkNameTree(child, structure, files, visited, depth + 1);
                }
            }
        }
    }

    private static AttachmentSpec? Spec(DictionaryToken specification, string? treeName, Structure structure)
    {
        if (!specification.TryGet(Ef, out var efToken) || Resolve(efToken, structure) is not DictionaryToken embedded)
        {
            return null;
        }

        var streamToken = embedded.TryGet(NameToken.F, out var f) ? f : embedded.TryGet(Uf, out var uf) ? uf : null;
        if (streamToken is null || Resolve(streamToken, structure) is not StreamToken stream)
        {
            return null;
        }

        // The name-tree key names the file in the tree (what PdfPig reported before); /UF and /F name it in an /AF entry.
        var name = treeName ?? Text(specification, Uf, structure) ?? Text(specification, NameToken.F, structure);
        name = Path.GetFileName(name ?? string.Empty);
        var mime = stream.StreamDictionary.TryGet(NameToken.Subtype, out var subtype) && Resolve(subtype, structure) is NameToken n ? n.Data : null;
        return new AttachmentSpec(name.Length > 0 ? name : "attachment", mime, stream);
    }

    private static string? Text(DictionaryToken dictionary, NameToken key, Structure structure) =>
        dictionary.TryGet(key, out var token) ? Resolve(token, structure) switch
        {
            StringToken s => s.Data,
            HexToken h => h.Data,
            _ => null,
        } : null;

    /// <summary>Resolves an indirect reference (one level: PDF objects never refer to a reference).</summary>
    internal static IToken? Resolve(IToken token, Structure structure) =>
        token is IndirectReferenceToken reference ? structure.GetObject(reference.Data)?.Data : token;
}

/// <summary>An attachment found in a PDF, not yet decoded.</summary>
/// <param name="Name">The file name (the name-tree key, else <c>/UF</c> or <c>/F</c>).</param>
/// <param name="MimeType">The embedded file stream's <c>/Subtype</c> (for example <c>text/xml</c>), if any.</param>
/// <param name="Stream">The embedded file stream, its data still encoded.</param>
internal sealed record AttachmentSpec(string Name, string? MimeType, StreamToken Stream);
