using System.Xml.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace InvoiceOcr.Sdk.Conventions.Tests;

/// <summary>
/// The library code the conventions apply to: every project under <c>src/</c> that is packed (a NuGet package). The
/// emulator (<c>IsPackable</c> false) is an ASP.NET Core application, a test double of Gemini: no
/// SynchronizationContext runs there, its <c>Program.cs</c> may write to the console, and it is not held to them.
/// </summary>
internal static class LibrarySources
{
    private static readonly Lazy<IReadOnlyList<SyntaxTree>> Trees = new(Load);

    /// <summary>Gets every library source file, parsed.</summary>
    public static IReadOnlyList<SyntaxTree> All => Trees.Value;

    /// <summary>Gets the repository root (the folder holding <c>InvoiceOcr.Sdk.sln</c>).</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Gets the library projects, relative to the root.</summary>
    public static IReadOnlyList<string> Projects { get; } = FindProjects();

    /// <summary>Gets a path relative to the repository root, with forward slashes.</summary>
    public static string Relative(string path) => Path.GetRelativePath(Root, path).Replace('\\', '/');

    /// <summary>Gets where a node is, as <c>src/…/File.cs:line</c>.</summary>
    public static string Where(SyntaxNode node) => Relative(node.SyntaxTree.FilePath) + ":" + (node.GetLocation().GetLineSpan().StartLinePosition.Line + 1);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "InvoiceOcr.Sdk.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("The repository root (InvoiceOcr.Sdk.sln) was not found above " + AppContext.BaseDirectory);
    }

    // src/Directory.Build.props makes every project packable; a project opts out with <IsPackable>false</IsPackable>.
    private static List<string> FindProjects() =>
        [.. Directory.EnumerateFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => !XDocument.Load(p).Descendants("IsPackable").Any(e => e.Value.Trim().Equals("false", StringComparison.OrdinalIgnoreCase)))
            .Select(Relative)
            .Order(StringComparer.Ordinal)];

    private static List<SyntaxTree> Load()
    {
        var options = new CSharpParseOptions(LanguageVersion.Preview);
        return [.. Projects
            .SelectMany(p => Directory.EnumerateFiles(Path.GetDirectoryName(Path.Combine(Root, p))!, "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains(Path.DirectorySeparatorChar + "obj" + Path.DirectorySeparatorChar, StringComparison.Ordinal)
                && !f.Contains(Path.DirectorySeparatorChar + "bin" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Select(f => CSharpSyntaxTree.ParseText(File.ReadAllText(f), options, f))];
    }
}
