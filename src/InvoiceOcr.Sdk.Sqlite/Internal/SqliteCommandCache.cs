using System.Data;
using System.Data.Common;
using System.Diagnostics.CodeAnalysis;
using Microsoft.Data.Sqlite;

namespace InvoiceOcr.Sdk.Sqlite.Internal;

/// <summary>
/// The prepared commands of one connection the store keeps open (<see cref="SqliteDatabase"/>'s own pool), one per statement
/// text. Preparing a statement costs several times what running it does (the quota reservation's window statement: ~40 µs to
/// prepare, ~8 µs to run), and a <see cref="SqliteCommand"/> keeps its prepared statements only while its connection stays
/// open, so a call's ~20 statements were prepared afresh on every call. A rented command is handed out as a
/// <see cref="Rented"/> wrapper whose disposal clears its parameters and gives it back instead of finalizing it.
/// </summary>
/// <remarks>Used by one operation at a time (the connection is), so it needs no lock; a statement rented twice at once (a
/// nested use) gets a command of its own, disposed as usual.</remarks>
internal sealed class SqliteCommandCache
{
    /// <summary>Enough for every statement of the hot path; a connection that somehow sees more simply stops caching.</summary>
    private const int MaxCommands = 64;

    private readonly Dictionary<string, Entry> _commands = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SqliteStatement> _statements = new(StringComparer.Ordinal);

    /// <summary>Creates the cache of a connection whose commits use <paramref name="synchronous"/>.</summary>
    /// <param name="synchronous">The connection's fixed <c>synchronous</c> level.</param>
    public SqliteCommandCache(SqliteSynchronous synchronous) => Synchronous = synchronous;

    /// <summary>Gets the connection's fixed <c>synchronous</c> level (the pool it returns to).</summary>
    public SqliteSynchronous Synchronous { get; }

    /// <summary>Rents the prepared command for <paramref name="sql"/> on <paramref name="connection"/>, in <paramref name="transaction"/>.</summary>
    /// <param name="connection">The open connection this cache belongs to.</param>
    /// <param name="transaction">The current transaction, if any.</param>
    /// <param name="sql">The statement.</param>
    /// <returns>A command the caller disposes.</returns>
    public DbCommand Rent(SqliteConnection connection, DbTransaction? transaction, string sql)
    {
        if (!_commands.TryGetValue(sql, out var entry))
        {
            if (_commands.Count >= MaxCommands)
            {
                return Fresh(connection, transaction, sql);
            }

            entry = new Entry(connection.CreateCommand());
            entry.Command.CommandText = sql;
            _commands.Add(sql, entry);
        }
        else if (entry.InUse)
        {
            return Fresh(connection, transaction, sql);
        }

        entry.InUse = true;
        entry.Command.Transaction = (SqliteTransaction?)transaction;
        return new Rented(entry);
    }

    /// <summary>Takes the raw prepared statement for <paramref name="sql"/> kept by <see cref="ReturnStatement"/>, if any (the usage rows' batch insert).</summary>
    /// <param name="sql">The statement.</param>
    /// <returns>The statement with its earlier bindings (rebind every value), or <see langword="null"/>.</returns>
    public SqliteStatement? TakeStatement(string sql) => _statements.Remove(sql, out var statement) ? statement : null;

    /// <summary>Keeps a raw prepared statement for the next use on this connection.</summary>
    /// <param name="sql">The statement's text.</param>
    /// <param name="statement">The statement, reset after its last run.</param>
    /// <returns><see langword="true"/> when kept (the caller must not dispose it).</returns>
    public bool ReturnStatement(string sql, SqliteStatement statement) => _statements.Count < MaxCommands && _statements.TryAdd(sql, statement);

    /// <summary>Finalizes the kept raw statements before the connection closes (its commands go with it).</summary>
    public void DisposeStatements()
    {
        foreach (var statement in _statements.Values)
        {
            statement.Dispose();
        }

        _statements.Clear();
    }

    private static SqliteCommand Fresh(SqliteConnection connection, DbTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = (SqliteTransaction?)transaction;
        command.CommandText = sql;
        return command;
    }

    private sealed class Entry(SqliteCommand command)
    {
        public SqliteCommand Command { get; } = command;

        public bool InUse { get; set; }
    }

    /// <summary>A cached command for one use: everything goes to it; disposing gives it back, prepared, with no parameters.</summary>
    [SuppressMessage("Security", "CA2100:Review SQL queries for security vulnerabilities", Justification = "The text is one of the store's constant statements; values are bound as parameters.")]
    private sealed class Rented(Entry entry) : DbCommand
    {
        private Entry? _entry = entry;

        [AllowNull]
        public override string CommandText
        {
            get => Inner.CommandText;
            set => throw new NotSupportedException("A cached command keeps its statement.");
        }

        public override int CommandTimeout
        {
            get => Inner.CommandTimeout;
            set => Inner.CommandTimeout = value;
        }

        public override CommandType CommandType
        {
            get => Inner.CommandType;
            set => Inner.CommandType = value;
        }

        public override bool DesignTimeVisible { get; set; }

        public override UpdateRowSource UpdatedRowSource
        {
            get => Inner.UpdatedRowSource;
            set => Inner.UpdatedRowSource = value;
        }

        protected override DbConnection? DbConnection
        {
            get => Inner.Connection;
            set => throw new NotSupportedException("A cached command keeps its connection.");
        }

        protected override DbParameterCollection DbParameterCollection => Inner.Parameters;

        protected override DbTransaction? DbTransaction
        {
            get => Inner.Transaction;
            set => Inner.Transaction = (SqliteTransaction?)value;
        }

        private SqliteCommand Inner => (_entry ?? throw new ObjectDisposedException(nameof(SqliteCommandCache))).Command;

        public override void Cancel() => Inner.Cancel();

        public override int ExecuteNonQuery() => Inner.ExecuteNonQuery();

        public override object? ExecuteScalar() => Inner.ExecuteScalar();

        public override void Prepare() => Inner.Prepare();

        protected override DbParameter CreateDbParameter() => Inner.CreateParameter();

        protected override DbDataReader ExecuteDbDataReader(CommandBehavior behavior) => Inner.ExecuteReader(behavior);

        protected override void Dispose(bool disposing)
        {
            if (disposing && _entry is { } returned)
            {
                _entry = null;
                returned.Command.Parameters.Clear();
                returned.Command.Transaction = null;
                returned.InUse = false;
            }

            base.Dispose(disposing);
        }
    }
}
