using System.Data.Common;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Data.Sqlite;

namespace InvoiceOcr.Sdk.Sqlite.Internal;

/// <summary>
/// Opens the store's connections to its database file. Every write transaction is <c>BEGIN IMMEDIATE</c> (SQLite's one
/// write lock, shared by every process on the file); the <c>synchronous</c> level of a commit follows what it writes:
/// <c>FULL</c> for configuration, <c>NORMAL</c> for quota counters and logs, the ledger's from <see cref="SqliteStoreOptions.LedgerDurability"/>.
/// </summary>
/// <param name="database">The database file.</param>
/// <param name="keepConnections">Whether connections come from the store's own pool of kept connections (the store's); the
/// schema's migrator and health check open new ones (<see cref="SqliteDatabase.OpenUnkeptAsync"/>).</param>
internal sealed class SqliteConnectionFactory(SqliteDatabase database, bool keepConnections = true) : RelationalConnectionFactory
{
    /// <inheritdoc />
    public override string DisplayName => database.Path;

    /// <inheritdoc />
    public override async Task<DbConnection> OpenAsync(RelationalWork work, CancellationToken cancellationToken)
    {
        var level = Level(work);
        return !keepConnections ? await database.OpenUnkeptAsync(level, cancellationToken).ConfigureAwait(false)
            : level is { } synchronous ? await database.OpenAsync(synchronous, cancellationToken).ConfigureAwait(false)
            : await database.OpenAsync(cancellationToken).ConfigureAwait(false);
    }

    private SqliteSynchronous? Level(RelationalWork work) => work switch
    {
        RelationalWork.Read => null,
        RelationalWork.Configuration => SqliteSynchronous.Full,
        RelationalWork.Ledger => database.LedgerSynchronous,
        _ => SqliteSynchronous.Normal,
    };

    /// <inheritdoc />
    /// <remarks>A connection the store keeps open gives its prepared command for the statement (prepared once per connection).</remarks>
    public override DbCommand CreateCommand(DbConnection connection, DbTransaction? transaction, string sql) =>
        connection is SqliteConnection sqlite && SqliteDatabase.TryGetCache(sqlite, out var cache)
            ? cache.Rent(sqlite, transaction, sql)
            : base.CreateCommand(connection, transaction, sql);

    /// <inheritdoc />
    public override ValueTask ReleaseAsync(DbConnection connection) => database.ReleaseAsync((SqliteConnection)connection);

    /// <inheritdoc />
    public override Task<DbTransaction> BeginTransactionAsync(DbConnection connection, RelationalWork work, CancellationToken cancellationToken) =>
        Task.FromResult<DbTransaction>(((SqliteConnection)connection).BeginTransaction(deferred: false));
}
