using System.Collections.Concurrent;
using Microsoft.Data.SqlClient;

namespace InvoiceOcr.Sdk.SqlServer.Internal;

/// <summary>Opens connections, expands the schema token in statements, and classifies failures.</summary>
internal sealed class SqlServerDatabase
{
    // Connection-level and transient error numbers: the server is unreachable, failing over, or throttling.
    private static readonly HashSet<int> UnavailableNumbers =
    [
        -2, 2, 53, 64, 121, 233, 1205, 4060, 4221, 10053, 10054, 10060, 10061, 10928, 10929, 18456,
        40143, 40197, 40501, 40613, 42108, 42109, 49918, 49919, 49920,
    ];

    private readonly ConcurrentDictionary<string, string> _statements = new(StringComparer.Ordinal);

    public SqlServerDatabase(SqlServerStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString);
        SqlServerStoreSchema.ValidateSchemaName(options.SchemaName);
        ConnectionString = options.ConnectionString;
        Schema = options.SchemaName;
        CommandTimeoutSeconds = Math.Max(1, (int)Math.Ceiling(options.CommandTimeout.TotalSeconds));
        var builder = new SqlConnectionStringBuilder(options.ConnectionString);
        DisplayName = builder.DataSource + "/" + builder.InitialCatalog + "/" + Schema;
    }

    public string ConnectionString { get; }

    public string Schema { get; }

    public int CommandTimeoutSeconds { get; }

    /// <summary>Gets a name for messages: server, database and schema (never credentials).</summary>
    public string DisplayName { get; }

    /// <summary>Returns a statement with the schema token replaced (cached).</summary>
    public string Sql(string template) => _statements.GetOrAdd(template, static (t, schema) => InvoiceOcr.Sdk.SqlServer.Schema.SqlServerMigrations.ForSchema(t, schema), Schema);

    public async Task<SqlConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = new SqlConnection(ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Returns whether an exception means the database cannot be reached now (as opposed to a bad statement or record).</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        InvoiceOcrException { Kind: InvoiceOcrErrorKind.StoreUnavailable } => true,
        SqlException sql => sql.Class >= 20 || sql.Errors.Cast<SqlError>().Any(static e => UnavailableNumbers.Contains(e.Number)),
        InvalidOperationException { InnerException: null } ioe => ioe.Message.Contains("pool", StringComparison.OrdinalIgnoreCase),
        TimeoutException or IOException => true,
        _ => false,
    };
}
