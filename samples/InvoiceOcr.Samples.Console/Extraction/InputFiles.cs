using InvoiceOcr.Samples.ConsoleApp.Cli;

namespace InvoiceOcr.Samples.ConsoleApp.Extraction;

/// <summary>Expands the files and folders given on the command line into the documents to extract.</summary>
internal static class InputFiles
{
    /// <summary>The extensions taken from folders (files named explicitly are always taken; the SDK checks their content).</summary>
    public static readonly IReadOnlySet<string> Extensions = new HashSet<string>(StringComparer.OrdinalIgnoreCase)
    {
        ".pdf", ".png", ".jpg", ".jpeg", ".webp", ".heic", ".heif",
    };

    /// <summary>Returns full paths, folders searched recursively in ordinal order, duplicates removed.</summary>
    /// <exception cref="CliException">A path does not exist, or nothing to extract was found.</exception>
    public static IReadOnlyList<string> Expand(IEnumerable<string> paths, CliContext context)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var given in paths)
        {
            var full = context.ResolvePath(given);
            if (File.Exists(full))
            {
                if (seen.Add(full))
                {
                    files.Add(full);
                }
            }
            else if (Directory.Exists(full))
            {
                foreach (var file in Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories)
                    .Where(f => Extensions.Contains(Path.GetExtension(f)))
                    .Order(StringComparer.Ordinal))
                {
                    if (seen.Add(file))
                    {
                        files.Add(file);
                    }
                }
            }
            else
            {
                throw new CliException($"No such file or folder: {given}");
            }
        }

        if (files.Count == 0)
        {
            throw new CliException($"Nothing to extract: no {string.Join("/", Extensions.Order(StringComparer.Ordinal))} files in {string.Join(", ", paths)}.");
        }

        return files;
    }
}
