using System.Data;
using System.Data.Common;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// Opens a provider's connections and transactions for <see cref="RelationalInvoiceOcrStore"/>, and creates its
/// commands. Every operation of the store opens one connection, runs in at most one transaction and disposes both.
/// </summary>
/// <remarks>Implementations are thread-safe; one instance serves one store.</remarks>
public abstract class RelationalConnectionFactory
{
    /// <summary>Gets a name for messages: for example the file path, or server, database and schema. Never credentials.</summary>
    public abstract string DisplayName { get; }

    /// <summary>Opens a connection for one operation of the given kind.</summary>
    /// <param name="work">What the connection is for (a provider may tune durability per kind).</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>An open connection the caller disposes.</returns>
    public abstract Task<DbConnection> OpenAsync(RelationalWork work, CancellationToken cancellationToken);

    /// <summary>
    /// Gives back a connection <see cref="OpenAsync"/> returned once its operation is done (its transaction committed or rolled
    /// back). The default disposes it; a provider may keep it open for the next operation (SQLite keeps its prepared statements
    /// that way). A connection whose operation failed is disposed instead, never given back.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <returns>A task that completes when it is given back.</returns>
    public virtual ValueTask ReleaseAsync(DbConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return connection.DisposeAsync();
    }

    /// <summary>
    /// Begins the write transaction of one operation. The default is <see cref="IsolationLevel.ReadCommitted"/>: the
    /// store's statements take the row locks they need themselves (the provider's lock hints), in one documented order.
    /// </summary>
    /// <param name="connection">The connection <see cref="OpenAsync"/> returned.</param>
    /// <param name="work">What the transaction is for.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The transaction the caller commits or rolls back and disposes.</returns>
    public virtual async Task<DbTransaction> BeginTransactionAsync(DbConnection connection, RelationalWork work, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Creates a command for one of the provider's statements (a provider may rewrite the text, for example to insert its schema name, and set time-outs).</summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="transaction">The current transaction, if any.</param>
    /// <param name="sql">The statement, from the provider's <see cref="RelationalStatements"/>.</param>
    /// <returns>The command the caller disposes.</returns>
    public virtual DbCommand CreateCommand(DbConnection connection, DbTransaction? transaction, string sql)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}

/// <summary>What a connection or transaction of <see cref="RelationalInvoiceOcrStore"/> is for.</summary>
public enum RelationalWork
{
    /// <summary>Reads only; no transaction is begun.</summary>
    Read = 0,

    /// <summary>Key and project configuration, secret rotation: rare writes that must survive a power loss.</summary>
    Configuration = 1,

    /// <summary>Reservations, settlements, releases, cooldowns, project blocks and reclaim: the hot path.</summary>
    Quota = 2,

    /// <summary>The usage ledger and the retry log: billing records.</summary>
    Ledger = 3,

    /// <summary>Application log entries and retention purges.</summary>
    Log = 4,
}
