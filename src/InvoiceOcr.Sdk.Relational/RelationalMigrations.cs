using System.Globalization;
using System.Reflection;
using System.Text;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>Loads a store assembly's numbered, embedded migration scripts (the SQL itself is per provider).</summary>
public static class RelationalMigrations
{
    /// <summary>Loads every <c>.sql</c> resource under <paramref name="prefix"/>, ordered by version, and checks they are numbered 1..N without gaps.</summary>
    /// <param name="assembly">The store assembly.</param>
    /// <param name="prefix">The resources' logical-name prefix, for example <c>InvoiceOcr.Sdk.Sqlite.Migrations.</c>.</param>
    /// <returns>The scripts (version, name such as <c>0001_Initial</c>, SQL), by version.</returns>
    /// <exception cref="InvalidOperationException">The numbering has a gap or a duplicate.</exception>
    public static List<(int Version, string Name, string Sql)> Load(Assembly assembly, string prefix)
    {
        var scripts = new List<(int Version, string Name, string Sql)>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal)))
        {
            var name = resource[prefix.Length..^".sql".Length];
            var version = int.Parse(name.AsSpan(0, name.IndexOf('_', StringComparison.Ordinal)), NumberStyles.None, CultureInfo.InvariantCulture);
            scripts.Add((version, name, Read(assembly, resource)));
        }

        scripts.Sort(static (a, b) => a.Version.CompareTo(b.Version));
        for (var i = 0; i < scripts.Count; i++)
        {
            if (scripts[i].Version != i + 1)
            {
                throw new InvalidOperationException($"Embedded migrations must be numbered 1..N without gaps; found {scripts[i].Name} at position {i + 1}.");
            }
        }

        return scripts;
    }

    private static string Read(Assembly assembly, string resource)
    {
        using var stream = assembly.GetManifestResourceStream(resource)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
