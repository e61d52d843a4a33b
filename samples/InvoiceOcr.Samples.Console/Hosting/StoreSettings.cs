using System.Globalization;
using InvoiceOcr.Samples.ConsoleApp.Cli;

namespace InvoiceOcr.Samples.ConsoleApp.Hosting;

/// <summary>Which database the SDK keeps keys, quotas and usage in: a SQLite file (the default), SQL Server or PostgreSQL.</summary>
internal sealed record StoreSettings
{
    /// <summary>The default SQLite file, relative to the working folder.</summary>
    public const string DefaultSqlitePath = "invoiceocr.db";

    private StoreSettings()
    {
    }

    /// <summary>Gets the SQLite file path (absolute), or <see langword="null"/> for SQL Server.</summary>
    public string? SqlitePath { get; private init; }

    /// <summary>Gets the SQL Server connection string, or <see langword="null"/> for SQLite.</summary>
    public string? SqlServerConnectionString { get; private init; }

    /// <summary>Gets the PostgreSQL connection string, or <see langword="null"/> for another store.</summary>
    public string? PostgreSqlConnectionString { get; private init; }

    /// <summary>Gets a value indicating whether the store is SQL Server.</summary>
    public bool IsSqlServer => SqlServerConnectionString is not null;

    /// <summary>Gets a value indicating whether the store is PostgreSQL.</summary>
    public bool IsPostgreSql => PostgreSqlConnectionString is not null;

    public static StoreSettings Sqlite(string fullPath) => new() { SqlitePath = fullPath };

    public static StoreSettings SqlServer(string connectionString) => new() { SqlServerConnectionString = connectionString };

    public static StoreSettings PostgreSql(string connectionString) => new() { PostgreSqlConnectionString = connectionString };

    /// <summary>Chooses the store from <c>--db</c> / <c>--sqlserver</c> / <c>--postgres</c>; giving more than one is an error.</summary>
    public static StoreSettings From(string? dbPath, string? sqlServer, string? postgres, CliContext context)
    {
        if (!string.IsNullOrWhiteSpace(postgres))
        {
            if (!string.IsNullOrWhiteSpace(dbPath) || !string.IsNullOrWhiteSpace(sqlServer))
            {
                throw new CliException("Give one of --db (SQLite), --sqlserver (SQL Server) or --postgres (PostgreSQL), not several.");
            }

            return PostgreSql(postgres);
        }

        if (!string.IsNullOrWhiteSpace(sqlServer))
        {
            if (!string.IsNullOrWhiteSpace(dbPath))
            {
                throw new CliException("Give either --db (SQLite) or --sqlserver (SQL Server), not both.");
            }

            return SqlServer(sqlServer);
        }

        return Sqlite(context.ResolvePath(string.IsNullOrWhiteSpace(dbPath) ? DefaultSqlitePath : dbPath));
    }

    /// <summary>Describes the store for output, without the connection string's credentials.</summary>
    public string Describe(CliContext context)
    {
        if (SqlitePath is { } path)
        {
            return "SQLite " + context.DisplayPath(path);
        }

        if (PostgreSqlConnectionString is { } postgres)
        {
            try
            {
                var pg = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = postgres };
                var host = Value(pg, "Host", "Server") ?? "(default host)";
                var port = Value(pg, "Port");
                var db = Value(pg, "Database", "Db");
                return string.Create(CultureInfo.InvariantCulture, $"PostgreSQL {host}{(port is null ? string.Empty : ":" + port)}{(db is null ? string.Empty : "/" + db)}");
            }
            catch (ArgumentException)
            {
                return "PostgreSQL";
            }
        }

        try
        {
            var builder = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = SqlServerConnectionString };
            var server = Value(builder, "Server", "Data Source", "Address", "Addr") ?? "(default server)";
            var database = Value(builder, "Database", "Initial Catalog");
            return string.Create(CultureInfo.InvariantCulture, $"SQL Server {server}{(database is null ? string.Empty : "/" + database)}");
        }
        catch (ArgumentException)
        {
            return "SQL Server";
        }
    }

    private static string? Value(System.Data.Common.DbConnectionStringBuilder builder, params string[] names)
    {
        foreach (var name in names)
        {
            if (builder.TryGetValue(name, out var value) && value?.ToString() is { Length: > 0 } text)
            {
                return text;
            }
        }

        return null;
    }
}
