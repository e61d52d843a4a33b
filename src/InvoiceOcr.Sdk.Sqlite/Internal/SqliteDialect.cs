using System.Data.Common;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Data.Sqlite;

namespace InvoiceOcr.Sdk.Sqlite.Internal;

/// <summary>
/// SQLite's side of the shared ADO.NET mapping: <c>$name</c> parameters bound by value, instants and dates as
/// invariant UTC text that sorts in time order, flags and small enums as integers.
/// </summary>
internal sealed class SqliteDialect : RelationalDialect
{
    /// <summary>The one instance.</summary>
    public static readonly SqliteDialect Instance = new();

    private SqliteDialect()
        : base("$")
    {
    }

    /// <inheritdoc />
    public override string SystemName => "sqlite";

    /// <inheritdoc />
    public override void AddParameter(DbCommand command, string name, object? value) =>
        ((SqliteParameterCollection)command.Parameters).AddWithValue(name, value ?? DBNull.Value);

    /// <inheritdoc />
    public override object Time(DateTimeOffset value) => SqliteDatabase.Time(value);

    /// <inheritdoc />
    public override object Date(DateOnly value) => SqliteDatabase.Date(value);

    /// <inheritdoc />
    public override object Flag(bool value) => value ? 1 : 0;

    /// <inheritdoc />
    public override object SmallInteger(int value) => value;

    /// <inheritdoc />
    public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => SqliteDatabase.ParseTime(reader.GetString(ordinal));

    /// <inheritdoc />
    public override DateOnly ReadDate(DbDataReader reader, int ordinal) => SqliteDatabase.ParseDate(reader.GetString(ordinal));

    /// <inheritdoc />
    public override bool ReadFlag(DbDataReader reader, int ordinal) => reader.GetInt64(ordinal) != 0;

    /// <inheritdoc />
    public override int ReadSmallInteger(DbDataReader reader, int ordinal) => reader.GetInt32(ordinal);

    /// <inheritdoc />
    /// <remarks>BUSY, LOCKED, I/O, FULL, CANTOPEN, READONLY, CORRUPT and NOTADB mean the file cannot be used now; SQLite reports a unique violation as CONSTRAINT_PRIMARYKEY or CONSTRAINT_UNIQUE.</remarks>
    public override RelationalErrorKind Classify(Exception exception) => exception switch
    {
        SqliteException { SqliteExtendedErrorCode: 1555 or 2067 } => RelationalErrorKind.UniqueViolation,
        SqliteException sqlite when SqliteDatabase.IsUnavailable(sqlite) => RelationalErrorKind.Unavailable,
        _ => RelationalErrorKind.Other,
    };
}
