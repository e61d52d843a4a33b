using System.Collections.Concurrent;
using InvoiceOcr.Sdk.PostgreSql.Schema;
using Npgsql;

namespace InvoiceOcr.Sdk.PostgreSql.Internal;

/// <summary>Owns the Npgsql data source (its connection pool), expands the schema token in statements, and classifies failures.</summary>
internal sealed class PostgreSqlDatabase : IAsyncDisposable, IDisposable
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

    /// <summary>Wraps an unavailability failure in the SDK's error taxonomy.</summary>
    public InvoiceOcrException Unavailable(Exception exception) =>
        new(InvoiceOcrErrorKind.StoreUnavailable, $"The PostgreSQL store '{DisplayName}' is unavailable: {SecretScrubber.Scrub(exception.Message)}", exception);

    public ValueTask DisposeAsync() => DataSource.DisposeAsync();

    public void Dispose() => DataSource.Dispose();
}
