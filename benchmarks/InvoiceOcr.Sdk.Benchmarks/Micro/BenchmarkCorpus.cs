namespace InvoiceOcr.Sdk.Benchmarks.Micro;

/// <summary>
/// Finds the shared invoice corpus the way the tests' <c>SharedData</c> does: <c>INVOICEOCR_CORPUS</c>, else
/// <c>shared/invoices</c> in the first folder above the running benchmark that has one. Files are read in place.
/// </summary>
internal static class BenchmarkCorpus
{
    private static readonly Lazy<string> Root = new(FindRoot);

    /// <summary>Returns the full path of a corpus file, for example <c>Invoice("zugferd/EN16931_Miete.pdf")</c>.</summary>
    public static string Invoice(string relativePath) => Path.Combine(Root.Value, relativePath.Replace('/', Path.DirectorySeparatorChar));

    private static string FindRoot()
    {
        if (Environment.GetEnvironmentVariable("INVOICEOCR_CORPUS") is { Length: > 0 } corpus)
        {
            return corpus;
        }

        foreach (var start in new[] { AppContext.BaseDirectory, Directory.GetCurrentDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, "shared", "invoices");
                if (Directory.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new DirectoryNotFoundException(
            "The shared invoice corpus was not found above " + AppContext.BaseDirectory + "; set INVOICEOCR_CORPUS to its folder.");
    }
}
