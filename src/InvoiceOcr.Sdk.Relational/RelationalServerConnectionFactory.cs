using System.Collections.Concurrent;
using System.Data.Common;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// The connection factory of a client-server provider (<see cref="RelationalServerStoreOptions"/>), written once: the
/// validated schema name, the command time-out, a name for messages, and commands whose text has
/// <see cref="RelationalMigrations.SchemaToken"/> replaced (cached per statement). The provider opens its connections.
/// </summary>
public abstract class RelationalServerConnectionFactory : RelationalConnectionFactory
{
    private readonly ConcurrentDictionary<string, string> _statements = new(StringComparer.Ordinal);

    /// <summary>Initializes the factory.</summary>
    /// <param name="options">The options; <see cref="RelationalServerStoreOptions.SchemaName"/> must be a plain identifier.</param>
    /// <param name="server">The server and database for messages (for example <c>host:5432/db</c>), never credentials.</param>
    /// <exception cref="ArgumentException">The schema name is not a plain identifier.</exception>
    protected RelationalServerConnectionFactory(RelationalServerStoreOptions options, string server)
    {
        ArgumentNullException.ThrowIfNull(options);
        Schema = RelationalServerStoreOptions.ThrowIfNotPlainIdentifier(options.SchemaName, options.MaxSchemaNameLength);
        CommandTimeoutSeconds = Math.Max(1, (int)Math.Ceiling(options.CommandTimeout.TotalSeconds));
        DisplayName = server + "/" + Schema;
    }

    /// <summary>Gets the schema that holds the store's tables.</summary>
    public string Schema { get; }

    /// <summary>Gets the command time-out in whole seconds (at least 1).</summary>
    public int CommandTimeoutSeconds { get; }

    /// <inheritdoc />
    /// <remarks>Server, database and schema; never credentials.</remarks>
    public override string DisplayName { get; }

    /// <summary>Returns a statement with <see cref="RelationalMigrations.SchemaToken"/> replaced by <see cref="Schema"/> (cached).</summary>
    /// <param name="template">The statement as the provider writes it.</param>
    /// <returns>The statement for this schema.</returns>
    public string Sql(string template) => _statements.GetOrAdd(template, static (t, schema) => RelationalMigrations.ForSchema(t, schema), Schema);

    /// <inheritdoc />
    public override DbCommand CreateCommand(DbConnection connection, DbTransaction? transaction, string sql)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = Sql(sql);
        command.CommandTimeout = CommandTimeoutSeconds;
        return command;
    }

    /// <summary>Returns the options' connection string, for a provider's constructor to parse with its client.</summary>
    /// <param name="options">The options.</param>
    /// <returns>The connection string.</returns>
    /// <exception cref="ArgumentException">It is missing.</exception>
    protected static string ConnectionStringOf(RelationalServerStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.ConnectionString);
        return options.ConnectionString;
    }
}
