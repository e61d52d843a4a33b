using System.Data.Common;
using System.Net.Sockets;
using InvoiceOcr.Sdk.Relational;
using Npgsql;
using NpgsqlTypes;

namespace InvoiceOcr.Sdk.PostgreSql.Internal;

/// <summary>
/// PostgreSQL's side of the shared relational store: <c>@name</c> parameters (Npgsql rewrites them to positional ones),
/// instants as <c>timestamptz</c> (UTC, microseconds), days as <c>date</c>, flags as <c>boolean</c>, small enums as
/// <c>smallint</c>. A null binds untyped: the statements cast every parameter that may be null where the server could
/// not infer its type (the statement tests have the server prove it).
/// </summary>
internal sealed class PostgreSqlDialect : RelationalDialect
{
    /// <summary>The one instance.</summary>
    public static readonly PostgreSqlDialect Instance = new();

    /// <inheritdoc />
    public override string SystemName => "postgresql";

    /// <inheritdoc />
    public override void AddParameter(DbCommand command, string name, object? value)
    {
        ArgumentNullException.ThrowIfNull(command);
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

    /// <inheritdoc />
    public override object SmallInteger(int value) => checked((short)value);

    /// <inheritdoc />
    public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => reader.GetFieldValue<DateTimeOffset>(ordinal);

    /// <inheritdoc />
    public override int ReadSmallInteger(DbDataReader reader, int ordinal) => reader.GetInt16(ordinal);

    /// <inheritdoc />
    /// <remarks>
    /// Unavailable: a network failure or time-out, the server shutting down or refusing connections, too many
    /// connections (SQLSTATE classes 08, 53, 57P) or a missing database; deadlock: 40P01; unique violation: 23505.
    /// </remarks>
    public override RelationalErrorKind Classify(Exception exception) => exception switch
    {
        InvoiceOcrException { Kind: InvoiceOcrErrorKind.StoreUnavailable } => RelationalErrorKind.Unavailable,
        PostgresException { SqlState: PostgresErrorCodes.DeadlockDetected } => RelationalErrorKind.Deadlock,
        PostgresException { SqlState: PostgresErrorCodes.UniqueViolation } => RelationalErrorKind.UniqueViolation,
        PostgresException pg when pg.SqlState.StartsWith("08", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("53", StringComparison.Ordinal)
            || pg.SqlState.StartsWith("57P", StringComparison.Ordinal)
            || pg.SqlState == PostgresErrorCodes.InvalidCatalogName => RelationalErrorKind.Unavailable,
        PostgresException => RelationalErrorKind.Other,
        NpgsqlException npgsql when npgsql.IsTransient || npgsql.InnerException is IOException or SocketException or TimeoutException => RelationalErrorKind.Unavailable,
        InvalidOperationException { InnerException: null } ioe when ioe.Message.Contains("pool", StringComparison.OrdinalIgnoreCase) => RelationalErrorKind.Unavailable,
        TimeoutException or IOException or SocketException => RelationalErrorKind.Unavailable,
        _ => RelationalErrorKind.Other,
    };
}
