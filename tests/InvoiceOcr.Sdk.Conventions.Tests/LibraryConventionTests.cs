using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace InvoiceOcr.Sdk.Conventions.Tests;

/// <summary>
/// The house rules of ../shared/STYLE.md that a compiler does not enforce, checked on the library sources in the
/// manner of DistributedLock's ApiTest. Each exception is listed here with its reason; a new one needs a reason too.
/// </summary>
public sealed class LibraryConventionTests
{
    /// <summary>Public classes designed for inheritance (beyond abstract ones), with the reason.</summary>
    private static readonly Dictionary<string, string> Unsealed = new(StringComparer.Ordinal)
    {
        ["InvoiceOcr.Sdk.InvoiceOcrException"] = "The SDK's one exception type: callers catch it, and InvalidDocumentException (and internal ones) derive from it.",
    };

    /// <summary>Awaits without ConfigureAwait(false) (file:member:awaited expression), with the reason.</summary>
    private static readonly Dictionary<string, string> UnconfiguredAwaits = new(StringComparer.Ordinal)
    {
        // Task.Yield has no ConfigureAwait; the mechanical fix is `await Task.CompletedTask.ConfigureAwait(ConfigureAwaitOptions.ForceYielding)`,
        // left to the owners of Persistence/ (being moved to InvoiceOcr.Sdk.Relational while this rule was added).
        ["DurableRecordWriter.cs:ReplayLoopAsync:Task.Yield()"] = "await Task.Yield() moves the replay loop off the caller's thread.",
    };

    /// <summary>Uses of System.Console (file:member:expression), with the reason.</summary>
    private static readonly Dictionary<string, string> ConsoleUses = new(StringComparer.Ordinal)
    {
        ["DatabaseLoggerProvider.cs:WriteFallbackLine:Console.Error"] = "The database logger's last-resort sink when the database cannot take log entries: it cannot log through ILogger (it is the logger); replaceable with DatabaseLoggerOptions.FallbackWriter.",
    };

    [Fact]
    public void LibraryProjects_AreFound()
    {
        Assert.Contains("src/InvoiceOcr.Sdk/InvoiceOcr.Sdk.csproj", LibrarySources.Projects);
        Assert.DoesNotContain(LibrarySources.Projects, p => p.Contains("Emulator", StringComparison.Ordinal));
        Assert.True(LibrarySources.All.Count > 50, "Expected the library sources to be read.");
    }

    [Fact]
    public void LibraryProjects_TrackTheirPublicApi()
    {
        var missing = LibrarySources.Projects
            .SelectMany(p => new[] { "PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt" }.Select(f => Path.Combine(Path.GetDirectoryName(p)!, f).Replace('\\', '/')))
            .Where(f => !File.Exists(Path.Combine(LibrarySources.Root, f)))
            .ToList();

        Assert.True(missing.Count == 0, "Run eng/update-public-api.sh to create the public API lists of new packages:\n" + string.Join("\n", missing));
    }

    [Fact]
    public void PublicClasses_AreSealedUnlessDesignedForInheritance()
    {
        // A partial class is sealed when any of its declarations says so.
        var classes = LibrarySources.All
            .SelectMany(t => t.GetRoot().DescendantNodes().OfType<ClassDeclarationSyntax>())
            .Where(IsPubliclyVisible)
            .GroupBy(FullName, StringComparer.Ordinal);
        var unsealed = classes
            .Where(g => !g.Any(c => c.Modifiers.Any(m => m.IsKind(SyntaxKind.SealedKeyword) || m.IsKind(SyntaxKind.AbstractKeyword) || m.IsKind(SyntaxKind.StaticKeyword))))
            .Select(g => g.Key)
            .ToList();

        Assert.True(unsealed.All(Unsealed.ContainsKey), "Seal these public classes, or list them in Unsealed with the reason they are designed for inheritance:\n" + string.Join("\n", unsealed.Where(u => !Unsealed.ContainsKey(u))));
        Assert.True(Unsealed.Keys.All(unsealed.Contains), "Remove from Unsealed (now sealed, or gone): " + string.Join(", ", Unsealed.Keys.Where(k => !unsealed.Contains(k))));
    }

    [Fact]
    public void PublicRecords_AreSealedUnlessAbstract()
    {
        var unsealed = LibrarySources.All
            .SelectMany(t => t.GetRoot().DescendantNodes().OfType<RecordDeclarationSyntax>())
            .Where(r => r.ClassOrStructKeyword.IsKind(SyntaxKind.None) || r.ClassOrStructKeyword.IsKind(SyntaxKind.ClassKeyword))
            .Where(IsPubliclyVisible)
            .GroupBy(FullName, StringComparer.Ordinal)
            .Where(g => !g.Any(r => r.Modifiers.Any(m => m.IsKind(SyntaxKind.SealedKeyword) || m.IsKind(SyntaxKind.AbstractKeyword))))
            .Select(g => g.Key)
            .ToList();

        Assert.True(unsealed.Count == 0, "Seal these public records:\n" + string.Join("\n", unsealed));
    }

    [Fact]
    public void Awaits_InLibraryCode_ConfigureAwaitFalse()
    {
        var found = new List<string>();
        foreach (var root in LibrarySources.All.Select(t => t.GetRoot()))
        {
            foreach (var node in root.DescendantNodes())
            {
                var (awaited, what) = node switch
                {
                    AwaitExpressionSyntax a => (a.Expression, "await"),
                    ForEachStatementSyntax f when f.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword) => (f.Expression, "await foreach"),
                    ForEachVariableStatementSyntax f when f.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword) => (f.Expression, "await foreach"),
                    UsingStatementSyntax u when u.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword) => (u.Expression ?? u.Declaration?.Variables.Single().Initializer?.Value, "await using"),
                    LocalDeclarationStatementSyntax l when l.AwaitKeyword.IsKind(SyntaxKind.AwaitKeyword) => (l.Declaration.Variables.Single().Initializer?.Value, "await using"),
                    _ => ((ExpressionSyntax?)null, ""),
                };
                if (what.Length == 0 || IsConfigured(awaited))
                {
                    continue;
                }

                var key = Path.GetFileName(node.SyntaxTree.FilePath) + ":" + MemberName(node) + ":" + awaited;
                if (!UnconfiguredAwaits.ContainsKey(key))
                {
                    found.Add($"{LibrarySources.Where(node)} ({key}): {what} {awaited}");
                }
            }
        }

        Assert.True(found.Count == 0, "Library code resumes on the caller's context: add .ConfigureAwait(false) (or list it in UnconfiguredAwaits with the reason):\n" + string.Join("\n", found));
    }

    [Fact]
    public void LibraryCode_WritesNothingToTheConsole()
    {
        var found = Uses(m => m.Expression.ToString() is "Console" or "System.Console")
            .Where(u => !ConsoleUses.ContainsKey(u.Key))
            .Select(u => u.Where)
            .ToList();

        Assert.True(found.Count == 0, "Library code logs through ILogger, never the console (or list it in ConsoleUses with the reason):\n" + string.Join("\n", found));
    }

    [Fact]
    public void LibraryCode_ReadsTimeOnlyThroughTimeProvider()
    {
        var found = Uses(m => m.Expression.ToString() is "DateTime" or "System.DateTime" or "DateTimeOffset" or "System.DateTimeOffset"
                && m.Name.Identifier.ValueText is "Now" or "UtcNow" or "Today")
            .Select(u => u.Where)
            .ToList();

        Assert.True(found.Count == 0, "Read time from the injected TimeProvider (tests use FakeTimeProvider), not the system clock:\n" + string.Join("\n", found));
    }

    [Fact]
    public void Allowances_StillMatchTheCode()
    {
        var consoleKeys = Uses(m => m.Expression.ToString() is "Console" or "System.Console").Select(u => u.Key).ToHashSet(StringComparer.Ordinal);
        var awaitKeys = LibrarySources.All.SelectMany(t => t.GetRoot().DescendantNodes().OfType<AwaitExpressionSyntax>())
            .Where(a => !IsConfigured(a.Expression))
            .Select(a => Path.GetFileName(a.SyntaxTree.FilePath) + ":" + MemberName(a) + ":" + a.Expression)
            .ToHashSet(StringComparer.Ordinal);

        Assert.True(ConsoleUses.Keys.All(consoleKeys.Contains), "Remove from ConsoleUses (no longer in the code): " + string.Join(", ", ConsoleUses.Keys.Where(k => !consoleKeys.Contains(k))));
        Assert.True(UnconfiguredAwaits.Keys.All(awaitKeys.Contains), "Remove from UnconfiguredAwaits (no longer in the code): " + string.Join(", ", UnconfiguredAwaits.Keys.Where(k => !awaitKeys.Contains(k))));
    }

    [Fact]
    public void Checks_FlagWhatTheyShould()
    {
        // The syntax checks themselves, on a snippet that breaks every rule.
        var root = CSharpSyntaxTree.ParseText("""
            public class Open { async Task M(Task t, IAsyncDisposable d) { await t; await using (d) { } System.Console.WriteLine(DateTime.UtcNow); } }
            """, cancellationToken: TestContext.Current.CancellationToken).GetRoot(TestContext.Current.CancellationToken);

        Assert.True(IsPubliclyVisible(root.DescendantNodes().OfType<ClassDeclarationSyntax>().Single()));
        Assert.False(IsConfigured(root.DescendantNodes().OfType<AwaitExpressionSyntax>().Single().Expression));
        Assert.True(IsConfigured(SyntaxFactory.ParseExpression("t.ConfigureAwait(false)")));
        Assert.True(IsConfigured(SyntaxFactory.ParseExpression("t.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing)")));
        Assert.False(IsConfigured(SyntaxFactory.ParseExpression("t.ConfigureAwait(true)")));
        Assert.False(IsConfigured(SyntaxFactory.ParseExpression("t.ConfigureAwait(ConfigureAwaitOptions.ContinueOnCapturedContext)")));
    }

    private static IEnumerable<(string Key, string Where)> Uses(Func<MemberAccessExpressionSyntax, bool> match) =>
        LibrarySources.All
            .SelectMany(t => t.GetRoot().DescendantNodes().OfType<MemberAccessExpressionSyntax>())
            .Where(match)
            .Select(m => (Path.GetFileName(m.SyntaxTree.FilePath) + ":" + MemberName(m) + ":" + m, LibrarySources.Where(m) + ": " + m));

    // ConfigureAwait(false), or ConfigureAwaitOptions without ContinueOnCapturedContext.
    private static bool IsConfigured(ExpressionSyntax? expression) =>
        expression is InvocationExpressionSyntax { Expression: MemberAccessExpressionSyntax { Name.Identifier.ValueText: "ConfigureAwait" } } call
        && call.ArgumentList.Arguments.Count == 1
        && call.ArgumentList.Arguments[0].Expression switch
        {
            LiteralExpressionSyntax literal => literal.IsKind(SyntaxKind.FalseLiteralExpression),
            var options => options.ToString().Contains("ConfigureAwaitOptions", StringComparison.Ordinal) && !options.ToString().Contains("ContinueOnCapturedContext", StringComparison.Ordinal),
        };

    private static bool IsPubliclyVisible(TypeDeclarationSyntax type)
    {
        for (SyntaxNode? node = type; node is TypeDeclarationSyntax t; node = node.Parent)
        {
            if (!t.Modifiers.Any(m => m.IsKind(SyntaxKind.PublicKeyword)) || t.Modifiers.Any(m => m.IsKind(SyntaxKind.PrivateKeyword) || m.IsKind(SyntaxKind.InternalKeyword)))
            {
                return false;
            }
        }

        return true;
    }

    private static string FullName(TypeDeclarationSyntax type)
    {
        var names = type.AncestorsAndSelf().Select(n => n switch
        {
            BaseNamespaceDeclarationSyntax ns => ns.Name.ToString(),
            TypeDeclarationSyntax t => t.Identifier.ValueText,
            _ => null,
        }).OfType<string>().Reverse();
        return string.Join(".", names);
    }

    private static string MemberName(SyntaxNode node) =>
        node.Ancestors().Select(a => a switch
        {
            MethodDeclarationSyntax m => m.Identifier.ValueText,
            LocalFunctionStatementSyntax l => l.Identifier.ValueText,
            ConstructorDeclarationSyntax c => c.Identifier.ValueText,
            PropertyDeclarationSyntax p => p.Identifier.ValueText,
            _ => null,
        }).FirstOrDefault(n => n is not null) ?? "(type)";
}
