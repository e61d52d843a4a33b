namespace InvoiceOcr.TestSupport;

/// <summary>
/// Locates the read-only shared data that lives beside the repository (<c>../shared/</c>): the real invoice
/// corpus and the recorded Gemini fixtures. Tests read them in place; nothing is copied into the repository.
/// When the data is absent a test says so (skips with the path it looked in); under <c>CI=true</c> its absence fails.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string?> SharedRoot = new(FindSharedRoot);

    /// <summary>Gets the invoice corpus folder (<c>INVOICEOCR_CORPUS</c> or <c>../shared/invoices</c>), or fails/skips when it is absent.</summary>
    public static string InvoicesRoot => Require(
        Environment.GetEnvironmentVariable("INVOICEOCR_CORPUS") is { Length: > 0 } corpus ? corpus : Combine("invoices"),
        "the invoice corpus (set INVOICEOCR_CORPUS or place shared/invoices beside the repository)");

    /// <summary>Gets the recorded Gemini fixtures folder (<c>../shared/fixtures/gemini</c>), or fails/skips when it is absent.</summary>
    public static string GeminiFixturesRoot => Require(Combine(Path.Combine("fixtures", "gemini")), "the recorded Gemini fixtures (shared/fixtures/gemini)");

    /// <summary>Returns the full path of a corpus file, for example <c>Invoice("edge/empty.pdf")</c>.</summary>
    public static string Invoice(string relativePath) => Path.Combine(InvoicesRoot, relativePath.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>Returns the full path of a Gemini fixture by file name.</summary>
    public static string GeminiFixture(string fileName) => Path.Combine(GeminiFixturesRoot, fileName);

    /// <summary>Reads a Gemini fixture as text.</summary>
    public static string ReadGeminiFixture(string fileName) => File.ReadAllText(GeminiFixture(fileName));

    /// <summary>Reads a corpus file's bytes.</summary>
    public static byte[] ReadInvoice(string relativePath) => File.ReadAllBytes(Invoice(relativePath));

    /// <summary>Gets the repository root (the folder holding <c>InvoiceOcr.Sdk.sln</c>).</summary>
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string? Combine(string relative) => SharedRoot.Value is { } root ? Path.Combine(root, relative) : null;

    private static string Require(string? path, string what)
    {
        if (path is not null && Directory.Exists(path))
        {
            return path;
        }

        var message = $"Missing {what}; looked in '{path ?? "(no shared folder found above " + RepositoryRoot + ")"}'.";
        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            Assert.Fail(message + " Under CI=true the shared data is required.");
        }

        Assert.Skip(message);
        return null!; // Unreachable: Assert.Skip throws.
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "InvoiceOcr.Sdk.sln")))
            {
                return dir.FullName;
            }
        }

        return Directory.GetCurrentDirectory();
    }

    private static string? FindSharedRoot()
    {
        if (Environment.GetEnvironmentVariable("INVOICEOCR_SHARED") is { Length: > 0 } explicitRoot)
        {
            return explicitRoot;
        }

        // The shared folder sits beside the repository: <parent>/shared next to <parent>/<repo>.
        for (var dir = new DirectoryInfo(RepositoryRoot); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(Path.Combine(candidate, "invoices")) || Directory.Exists(Path.Combine(candidate, "fixtures")))
            {
                return candidate;
            }
        }

        return null;
    }
}
