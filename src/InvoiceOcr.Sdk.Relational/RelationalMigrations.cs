using System.Collections.Concurrent;
using System.Globalization;
using System.Reflection;
using System.Text;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>Loads a store assembly's numbered, embedded migration scripts (the SQL itself is per provider), and expands the schema token of a client-server provider's SQL.</summary>
public static class RelationalMigrations
{
    /// <summary>The token a client-server provider's SQL text carries where the validated schema name goes.</summary>
    public const string SchemaToken = "{schema}";

    private static readonly ConcurrentDictionary<(Assembly Assembly, string Prefix), IReadOnlyList<(int Version, string Name, string Sql)>> Loaded = new();

    /// <summary>Loads every <c>.sql</c> resource under <paramref name="prefix"/> once (later calls return the same list), ordered by version, and checks they are numbered 1..N without gaps.</summary>
    /// <param name="assembly">The store assembly.</param>
    /// <param name="prefix">The resources' logical-name prefix, for example <c>InvoiceOcr.Sdk.Sqlite.Migrations.</c>.</param>
    /// <returns>The scripts (version, name such as <c>0001_Initial</c>, SQL), by version.</returns>
    /// <exception cref="InvalidOperationException">The numbering has a gap or a duplicate.</exception>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Load(Assembly assembly, string prefix)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        return Loaded.GetOrAdd((assembly, prefix), static key => LoadCore(key.Assembly, key.Prefix));
    }

    /// <summary>Replaces <see cref="SchemaToken"/> in a statement or script.</summary>
    /// <param name="sql">The SQL text.</param>
    /// <param name="schema">The schema name, already validated as a plain identifier (<see cref="RelationalServerStoreOptions.SchemaName"/>).</param>
    /// <returns>The SQL text for that schema.</returns>
    public static string ForSchema(string sql, string schema)
    {
        ArgumentNullException.ThrowIfNull(sql);
        return sql.Replace(SchemaToken, schema, StringComparison.Ordinal);
    }

    private static List<(int Version, string Name, string Sql)> LoadCore(Assembly assembly, string prefix)
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

/// <summary>
/// The statements <see cref="RelationalStoreMigrator"/> issues around the migration scripts, in the provider's SQL; a
/// client-server provider's carry <see cref="RelationalMigrations.SchemaToken"/>. Build it with <see cref="FromConstants"/>.
/// </summary>
public sealed class RelationalMigrationStatements
{
    /// <summary>
    /// Builds the table from a provider's class of SQL constants: each property takes the <c>const string</c> of the same
    /// name (public or not).
    /// </summary>
    /// <param name="constants">The provider's class of constants, for example <c>typeof(SqlServerMigrations)</c>.</param>
    /// <returns>The table.</returns>
    /// <exception cref="InvalidOperationException">A statement has no constant.</exception>
    public static RelationalMigrationStatements FromConstants([System.Diagnostics.CodeAnalysis.DynamicallyAccessedMembers(System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.PublicFields | System.Diagnostics.CodeAnalysis.DynamicallyAccessedMemberTypes.NonPublicFields)] Type constants) =>
        StatementTable.FromConstants<RelationalMigrationStatements>(constants);

    /// <summary>Gets the creation of the schema (where the provider has one) and of the <c>SchemaVersion</c> table (<c>Version</c>, <c>Description</c>, <c>AppliedAtUtc</c>) when missing.</summary>
    public required string CreateVersionTable { get; init; }

    /// <summary>Gets the check whether the <c>SchemaVersion</c> table exists: one row, one column, non-zero or <see langword="true"/> when it does.</summary>
    public required string VersionTableExists { get; init; }

    /// <summary>Gets the read of the schema version: one row, one column, 0 when no migration was applied.</summary>
    public required string SelectVersion { get; init; }

    /// <summary>Gets the record of an applied migration: <c>version</c>, <c>name</c>; the time is the database's clock.</summary>
    public required string InsertVersion { get; init; }
}
