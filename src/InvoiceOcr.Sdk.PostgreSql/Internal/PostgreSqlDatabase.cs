using System.Collections.Concurrent;
using System.Net.Sockets;
using InvoiceOcr.Sdk.PostgreSql.Schema;
using Npgsql;

namespace InvoiceOcr.Sdk.PostgreSql.Internal;

/// <summary>Owns the Npgsql data source (its connection pool), expands the schema token in statements, and classifies failures.</summary>
internal sealed class PostgreSqlDatabase : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, string> _statements = new(StringComparer.Ordinal);

    public PostgreSqlDatabase(PostgreSqlStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString);
        PostgreSqlStoreSchema.ValidateSchemaName(options.SchemaName);
        Schema = options.SchemaName;
        CommandTimeoutSeconds = Math.Max(1, (int)Math.Ceiling(options.CommandTimeout.TotalSeconds));
        var builder = new NpgsqlConnectionStringBuilder(options.ConnectionString);
        DisplayName = builder.Host + ":" + builder.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) + "/" + builder.Database + "/" + Schema;
        DataSource = NpgsqlDataSource.Create(builder);
    }

    public NpgsqlDataSource DataSource { get; }

    public string Schema { get; }

    public int CommandTimeoutSeconds { get; }

    /// <summary>Gets a name for messages: host, port, database and schema (never credentials).</summary>
    public string DisplayName { get; }

    /// <summary>Returns a statement with the schema token replaced (cached).</summary>
    public string Sql(string template) => _statements.GetOrAdd(template, static (t, schema) => PostgreSqlMigrations.ForSchema(t, schema), Schema);

    public async Task<NpgsqlConnection> OpenAsync(CancellationToken cancellationToken) =>
        await DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Returns whether an exception means the database cannot be reached now (as opposed to a bad statement or record):
    /// a network failure, a timeout, the server shutting down or refusing connections (SQLSTATE classes 08, 53, 57P).
    /// </summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        InvoiceOcrException { Kind: InvoiceOcrErrorKind.StoreUnavailable } => true,
        PostgresException pg => pg.SqlState.StartsWith("08", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("53", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)
            || pg.SqlState == PostgresErrorCodes.InvalidCatalogName,
        NpgsqlException npgsql => npgsql.IsTransient || npgsql.InnerException is IOException or SocketException or TimeoutException,
        InvalidOperationException { InnerException: null } ioe => ioe.Message.Contains("pool", StringComparison.OrdinalIgnoreCase),
        TimeoutException or IOException or SocketException => true,
        _ => false,
    };

    /// <summary>Wraps an unavailability failure in the SDK's error taxonomy.</summary>
    public InvoiceOcrException Unavailable(Exception exception) =>
        new(InvoiceOcrErrorKind.StoreUnavailable, $"The PostgreSQL store '{DisplayName}' is unavailable: {SecretScrubber.Scrub(exception.Message)}", exception);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();
}
