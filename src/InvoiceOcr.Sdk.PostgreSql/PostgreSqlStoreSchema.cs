using System.Text.RegularExpressions;
using InvoiceOcr.Sdk.PostgreSql.Schema;

namespace InvoiceOcr.Sdk;

/// <summary>The PostgreSQL store's schema, for DBAs who install or review it by hand.</summary>
public static partial class PostgreSqlStoreSchema
{
    /// <summary>Gets the schema version this package needs.</summary>
    public static int CurrentVersion => PostgreSqlMigrations.LatestVersion;

    /// <summary>
    /// Returns the full, idempotent install script for a schema, for <c>psql -v ON_ERROR_STOP=1 -f</c>: one transaction
    /// under the same advisory lock the start-up migration takes, every migration, and its <c>SchemaVersion</c> row.
    /// </summary>
    /// <param name="schemaName">The schema name; a plain identifier (<see cref="PostgreSqlStoreOptions.SchemaNamePattern"/>).</param>
    /// <returns>The script.</returns>
    /// <exception cref="ArgumentException">The schema name is not a plain identifier.</exception>
    public static string GetInstallScript(string schemaName = "InvoiceOcr")
    {
        ValidateSchemaName(schemaName);
        return PostgreSqlMigrations.BuildInstallScript(schemaName);
    }

    internal static void ValidateSchemaName(string? schemaName)
    {
        if (schemaName is null || !SchemaName().IsMatch(schemaName))
        {
            throw new ArgumentException($"'{schemaName}' is not a valid schema name: use a letter or '_' followed by up to 62 letters, digits or '_'.", nameof(schemaName));
        }
    }

    [GeneratedRegex(PostgreSqlStoreOptions.SchemaNamePattern, RegexOptions.CultureInvariant)]
    private static partial Regex SchemaName();
}
