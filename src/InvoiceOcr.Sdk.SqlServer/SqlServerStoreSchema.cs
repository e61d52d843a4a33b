using System.Text.RegularExpressions;
using InvoiceOcr.Sdk.SqlServer.Schema;

namespace InvoiceOcr.Sdk;

/// <summary>The SQL Server store's schema, for DBAs who install or review it by hand.</summary>
public static partial class SqlServerStoreSchema
{
    /// <summary>Gets the schema version this package needs.</summary>
    public static int CurrentVersion => SqlServerMigrations.LatestVersion;

    /// <summary>
    /// Returns the full, idempotent install script for a schema: one transaction under the same <c>sp_getapplock</c>
    /// the start-up migration takes, every migration, and its <c>SchemaVersion</c> row. Batches are separated by <c>GO</c>.
    /// </summary>
    /// <param name="schemaName">The schema name; a plain identifier (<see cref="SqlServerStoreOptions.SchemaNamePattern"/>).</param>
    /// <returns>The script.</returns>
    /// <exception cref="ArgumentException">The schema name is not a plain identifier.</exception>
    public static string GetInstallScript(string schemaName = "InvoiceOcr")
    {
        ValidateSchemaName(schemaName);
        return SqlServerMigrations.BuildInstallScript(schemaName);
    }

    internal static void ValidateSchemaName(string? schemaName)
    {
        if (schemaName is null || !SchemaName().IsMatch(schemaName))
        {
            throw new ArgumentException($"'{schemaName}' is not a valid schema name: use a letter or '_' followed by up to 127 letters, digits or '_'.", nameof(schemaName));
        }
    }

    [GeneratedRegex(SqlServerStoreOptions.SchemaNamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
