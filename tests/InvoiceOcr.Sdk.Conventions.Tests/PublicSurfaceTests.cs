using System.Text.RegularExpressions;

namespace InvoiceOcr.Sdk.Conventions.Tests;

/// <summary>
/// The intended public surface, package by package: how many public types each namespace holds, read from the tracked
/// PublicAPI lists. A change of a count fails here until the table below changes with it, so the surface grows (or
/// shrinks) on purpose: app-facing types in <c>InvoiceOcr.Sdk</c>, store-author types in <c>InvoiceOcr.Sdk.Storage</c>
/// (the rules every store applies) and in the <c>InvoiceOcr.Sdk.Relational</c> package, DI entry points in
/// <c>Microsoft.Extensions.DependencyInjection</c>; everything else is internal.
/// </summary>
public sealed partial class PublicSurfaceTests
{
    /// <summary>Package → namespace → public types. Change a count only together with the reason in the commit.</summary>
    private static readonly Dictionary<string, Dictionary<string, int>> Intended = new(StringComparer.Ordinal)
    {
        // App-facing: extraction, documents, invoices, validation, scoring, keys, quotas, usage, errors, options, the
        // in-memory store, telemetry names and the store abstractions an app may query (IApiKeyStore, IUsageLedger, …).
        ["InvoiceOcr.Sdk"] = new(StringComparer.Ordinal)
        {
            ["InvoiceOcr.Sdk"] = 144, // + batch jobs (IInvoiceJobs and its types, InvoiceJobBatch and its state, InvoiceJobItemDetails for GetItemAsync), IModelCallRunner and its request/answer, price table and budgets; IAttemptJournalOutbox (no attempt without a durable journal entry)
            ["InvoiceOcr.Sdk.Storage"] = 7, // store authors: QuotaAdmission, its window/key/slot state types, the argument rules (stores and job stores)
            ["Microsoft.Extensions.DependencyInjection"] = 3, // AddInvoiceOcr and its builder, AddJobs
        },
        ["InvoiceOcr.Sdk.Relational"] = new(StringComparer.Ordinal)
        {
            ["InvoiceOcr.Sdk.Relational"] = 33, // store authors: the relational store and job store written once and their parts (+ the migrator's statements, the server connection factory and the two options validators a provider derives from)
            ["Microsoft.Extensions.Logging"] = 1, // AddInvoiceOcrDatabase
        },
        ["InvoiceOcr.Sdk.Sqlite"] = new(StringComparer.Ordinal) { ["InvoiceOcr.Sdk"] = 5, ["Microsoft.Extensions.DependencyInjection"] = 1 },
        ["InvoiceOcr.Sdk.SqlServer"] = new(StringComparer.Ordinal) { ["InvoiceOcr.Sdk"] = 4, ["Microsoft.Extensions.DependencyInjection"] = 1 },
        ["InvoiceOcr.Sdk.PostgreSql"] = new(StringComparer.Ordinal) { ["InvoiceOcr.Sdk"] = 4, ["Microsoft.Extensions.DependencyInjection"] = 1 },
        ["InvoiceOcr.Sdk.Caching"] = new(StringComparer.Ordinal) { ["InvoiceOcr.Sdk.Caching"] = 2, ["Microsoft.Extensions.DependencyInjection"] = 1 },
        ["InvoiceOcr.Sdk.AI"] = new(StringComparer.Ordinal) { ["InvoiceOcr.Sdk.AI"] = 2, ["Microsoft.Extensions.DependencyInjection"] = 1 }, // the chat client and its ambient company scope; AddChatClient
    };

    [Fact]
    public void PublicTypes_PerPackageAndNamespace_AreTheIntendedOnes()
    {
        var actual = LibrarySources.Projects.ToDictionary(p => Path.GetFileNameWithoutExtension(p), PublicTypesByNamespace, StringComparer.Ordinal);

        var differences = actual.Keys.Union(Intended.Keys)
            .SelectMany(package =>
            {
                var have = actual.GetValueOrDefault(package) ?? [];
                var want = Intended.GetValueOrDefault(package) ?? [];
                return have.Keys.Union(want.Keys)
                    .Where(ns => have.GetValueOrDefault(ns) != want.GetValueOrDefault(ns))
                    .Select(ns => $"{package} / {ns}: {have.GetValueOrDefault(ns)} public types, intended {want.GetValueOrDefault(ns)}");
            })
            .ToList();

        Assert.True(differences.Count == 0, "The public surface changed; make the new types internal, or update PublicSurfaceTests.Intended with the reason:\n" + string.Join("\n", differences));
    }

    [Fact]
    public void PublicTypesByNamespace_ReadsTypeLinesOnly()
    {
        var lines = new[] { "#nullable enable", "InvoiceOcr.Sdk.ApiKey", "InvoiceOcr.Sdk.ApiKey.Id.get -> string!", "InvoiceOcr.Sdk.Relational.RelationalStoreProvider<TStore, TOptions>", "InvoiceOcr.Sdk.ApiKeyStatus.Active = 1 -> InvoiceOcr.Sdk.ApiKeyStatus", "static Microsoft.Extensions.DependencyInjection.X.Add() -> void" };

        var types = Count(lines);

        Assert.Equal(1, types["InvoiceOcr.Sdk"]);
        Assert.Equal(1, types["InvoiceOcr.Sdk.Relational"]);
        Assert.Equal(2, types.Count);
    }

    private static Dictionary<string, int> PublicTypesByNamespace(string project)
    {
        var dir = Path.Combine(LibrarySources.Root, Path.GetDirectoryName(project)!);
        return Count(new[] { "PublicAPI.Shipped.txt", "PublicAPI.Unshipped.txt" }.Select(f => Path.Combine(dir, f)).Where(File.Exists).SelectMany(File.ReadAllLines));
    }

    // A type's own line is its full name alone (members carry "." + member, "->" or "="); generic arguments are dropped.
    private static Dictionary<string, int> Count(IEnumerable<string> lines) => lines
        .Where(l => TypeLine().IsMatch(l))
        .Select(l => l.Split('<')[0])
        .GroupBy(name => name[..name.LastIndexOf('.')], StringComparer.Ordinal)
        .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_.]*(<[^>]*>)?$", RegexOptions.CultureInvariant)]
    private static partial Regex TypeLine();
}
