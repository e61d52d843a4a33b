using System.Data.Common;
using Npgsql;
using NpgsqlTypes;

namespace InvoiceOcr.Sdk.PostgreSql.Internal;

/// <summary>
/// PostgreSQL's side of the shared ADO.NET mapping: <c>@name</c> parameters (Npgsql rewrites them to positional ones),
/// instants as <c>timestamptz</c> (UTC, microseconds), days as <c>date</c>, flags as <c>boolean</c>, small enums as
/// <c>smallint</c>. A null binds as an untyped null: the statements cast every parameter that may be null where the
/// server could not infer its type (the statement tests have the server prove it).
/// </summary>
internal sealed class PostgreSqlDialect
{
    /// <summary>The one instance.</summary>
    public static readonly PostgreSqlDialect Instance = new();

    private PostgreSqlDialect()
    {
    }

    /// <summary>Adds a parameter, typed from its value.</summary>
    /// <param name="command">The command.</param>
    /// <param name="name">The parameter name, with or without its <c>@</c>.</param>
    /// <param name="value">The value; <see langword="null"/> binds a null.</param>
    public static void Add(DbCommand command, string name, object? value)
    {
        var parameter = new NpgsqlParameter { ParameterName = name.TrimStart('@') };
        switch (value)
        {
            case null:
                parameter.Value = DBNull.Value;
                break;
            case DateTimeOffset d:
                parameter.NpgsqlDbType = NpgsqlDbType.TimestampTz;
                parameter.Value = d.ToUniversalTime();
                break;
            case DateOnly d:
                parameter.NpgsqlDbType = NpgsqlDbType.Date;
                parameter.Value = d;
                break;
            case byte b:
                parameter.NpgsqlDbType = NpgsqlDbType.Smallint;
                parameter.Value = (short)b;
                break;
            default:
                parameter.Value = value;
                break;
        }

        command.Parameters.Add(parameter);
    }

    /// <summary>Converts an instant to the value stored in a <c>timestamptz</c> column.</summary>
    public static object Time(DateTimeOffset value) => value.ToUniversalTime();

    /// <summary>Converts a day to the value stored in a <c>date</c> column.</summary>
    public static object Date(DateOnly value) => value;

    /// <summary>Converts a flag to a <c>boolean</c>.</summary>
    public static object Flag(bool value) => value;

    /// <summary>Converts a small enum value to a <c>smallint</c>.</summary>
    public static object SmallInteger(int value) => checked((short)value);

    /// <summary>Reads a <c>timestamptz</c> as a UTC instant.</summary>
    public static DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    /// <summary>Reads a <c>date</c>.</summary>
    public static DateOnly ReadDate(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateOnly>(ordinal);

    /// <summary>Reads a <c>boolean</c>.</summary>
    public static bool ReadFlag(DbDataReader reader, int ordinal) => reader.GetBoolean(ordinal);

    /// <summary>Reads a <c>smallint</c>.</summary>
    public static int ReadSmallInteger(DbDataReader reader, int ordinal) => reader.GetInt16(ordinal);

    /// <summary>Whether an exception is the server's deadlock detection (SQLSTATE 40P01), anywhere in its chain.</summary>
    public static bool IsDeadlock(Exception? exception)
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Whether an exception is a unique-key violation (SQLSTATE 23505).</summary>
    public static bool IsUniqueViolation(Exception exception) => exception is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };
}
