using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace InvoiceOcr.Sdk.Sqlite.Internal;

/// <summary>
/// One statement prepared on a connection's native handle and executed many times with values bound by position:
/// the batch paths' alternative to <see cref="SqliteCommand"/>, which looks every parameter up by name and builds a
/// data reader on each execution. A value equal to the one already bound at a position is not bound again (SQLite
/// keeps bindings across executions), which in a batch of one key's rows skips most of them. Runs inside the caller's
/// transaction; failures surface as <see cref="SqliteException"/> like the provider's own.
/// </summary>
internal sealed class SqliteStatement : IDisposable
{
    private const int Done = 101;
    private const int Row = 100;

    private static readonly object Unbound = new();
    private static readonly object Integer = new();

    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;

    /// <summary>
    /// What is bound at each position (index 0 unused): the string, <see cref="Integer"/> for an integer (its value in
    /// <see cref="_boundIntegers"/>), <see langword="null"/> for NULL, or <see cref="Unbound"/> when unknown.
    /// </summary>
    private readonly object?[] _bound;
    private readonly long[] _boundIntegers;

    private SqliteStatement(sqlite3 db, sqlite3_stmt statement)
    {
        _db = db;
        _statement = statement;
        var count = raw.sqlite3_bind_parameter_count(statement);
        _bound = new object?[count + 1];
        _boundIntegers = new long[count + 1];
        Array.Fill(_bound, Unbound);
    }

    /// <summary>Prepares <paramref name="sql"/> (one statement) on <paramref name="connection"/>.</summary>
    /// <param name="connection">An open connection; the statement runs in whatever transaction it has.</param>
    /// <param name="sql">The statement's text.</param>
    /// <returns>The prepared statement; dispose it before the connection.</returns>
    public static SqliteStatement Prepare(SqliteConnection connection, string sql)
    {
        var db = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var rc = raw.sqlite3_prepare_v2(db, sql, out var statement);
        if (rc != raw.SQLITE_OK)
        {
            statement.Dispose();
            SqliteException.ThrowExceptionForRC(rc, db);
        }

        return new SqliteStatement(db, statement);
    }

    /// <summary>Gets the position of a named parameter.</summary>
    /// <param name="name">The parameter's name with its prefix (<c>$id</c>).</param>
    /// <returns>The 1-based position.</returns>
    /// <exception cref="ArgumentException">The statement has no such parameter.</exception>
    public int IndexOf(string name)
    {
        var index = raw.sqlite3_bind_parameter_index(_statement, name);
        return index > 0 ? index : throw new ArgumentException($"The statement has no parameter '{name}'.", nameof(name));
    }

    /// <summary>Binds text, or NULL when <paramref name="value"/> is <see langword="null"/>.</summary>
    /// <param name="index">The 1-based position.</param>
    /// <param name="value">The value.</param>
    public void Bind(int index, string? value)
    {
        var current = _bound[index];
        if (value is null ? current is null : current is string text && string.Equals(text, value, StringComparison.Ordinal))
        {
            return;
        }

        _bound[index] = Unbound;
        Check(value is null ? raw.sqlite3_bind_null(_statement, index) : raw.sqlite3_bind_text(_statement, index, value));
        _bound[index] = value;
    }

    /// <summary>Binds an integer.</summary>
    /// <param name="index">The 1-based position.</param>
    /// <param name="value">The value.</param>
    public void Bind(int index, long value)
    {
        if (ReferenceEquals(_bound[index], Integer) && _boundIntegers[index] == value)
        {
            return;
        }

        _bound[index] = Unbound;
        Check(raw.sqlite3_bind_int64(_statement, index, value));
        _boundIntegers[index] = value;
        _bound[index] = Integer;
    }

    /// <summary>Runs the statement to completion with the bound values, then resets it (bindings stay) for the next run.</summary>
    /// <returns>How many rows the statement inserted, updated or deleted.</returns>
    public int Execute()
    {
        int rc;
        while ((rc = raw.sqlite3_step(_statement)) == Row)
        {
        }

        try
        {
            if (rc != Done)
            {
                SqliteException.ThrowExceptionForRC(rc, _db);
            }

            return raw.sqlite3_changes(_db);
        }
        finally
        {
            raw.sqlite3_reset(_statement);
        }
    }

    /// <summary>Finalizes the statement.</summary>
    public void Dispose() => _statement.Dispose();

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
