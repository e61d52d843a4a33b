using System.Data;
using System.Data.Common;
using InvoiceOcr.Sdk.Relational;
using Microsoft.Data.SqlClient;

namespace InvoiceOcr.Sdk.SqlServer.Internal;

/// <summary>
/// SQL Server's side of the shared ADO.NET mapping: <c>@name</c> parameters with explicit types (so plans are
/// reused and no implicit conversion defeats an index), <c>datetime2(7)</c> UTC instants, <c>date</c> days,
/// <c>bit</c> flags and <c>tinyint</c> small enums.
/// </summary>
internal sealed class SqlServerDialect : RelationalDialect
{
    /// <summary>The one instance.</summary>
    public static readonly SqlServerDialect Instance = new();

    /// <summary>Adds a typed parameter: instants as <c>datetime2(7)</c> UTC, days as <c>date</c>, text as <c>nvarchar</c>.</summary>
    /// <param name="command">The command.</param>
    /// <param name="name">The full parameter name.</param>
    /// <param name="value">The value; <see langword="null"/> binds a null <c>nvarchar</c>.</param>
    public static void Add(SqlCommand command, string name, object? value)
    {
        var parameter = command.Parameters.Add(new SqlParameter(name, value switch
        {
            null => DBNull.Value,
            DateTimeOffset d => d.UtcDateTime,
            DateOnly d => d.ToDateTime(TimeOnly.MinValue),
            _ => value,
        }));
        switch (value)
        {
            case null:
                parameter.SqlDbType = SqlDbType.NVarChar;
                break;
            case DateTimeOffset:
                parameter.SqlDbType = SqlDbType.DateTime2;
                parameter.Scale = 7;
                break;
            case DateOnly:
                parameter.SqlDbType = SqlDbType.Date;
                break;
            case string s:
                parameter.SqlDbType = SqlDbType.NVarChar;
                parameter.Size = s.Length <= 4000 ? 4000 : -1;
                break;
        }
    }

    /// <summary>Reads a <c>datetime2</c> stored as UTC.</summary>
    /// <param name="value">The stored value.</param>
    /// <returns>The instant.</returns>
    public static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));

    /// <inheritdoc />
    public override string SystemName => "microsoft.sql_server";

    /// <inheritdoc />
    public override void AddParameter(DbCommand command, string name, object? value) => Add((SqlCommand)command, name, value);

    /// <inheritdoc />
    public override object SmallInteger(int value) => (byte)value;

    /// <inheritdoc />
    public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => Utc(reader.GetDateTime(ordinal));

    /// <inheritdoc />
    public override DateOnly ReadDate(DbDataReader reader, int ordinal) => DateOnly.FromDateTime(reader.GetDateTime(ordinal));

    /// <inheritdoc />
    public override int ReadSmallInteger(DbDataReader reader, int ordinal) => reader.GetByte(ordinal);

    /// <inheritdoc />
    /// <remarks>1205 is a deadlock victim; 2627 and 2601 are primary key and unique index violations; connection-level and throttling errors (and severity 20 and above) mean the server cannot be used now.</remarks>
    public override RelationalErrorKind Classify(Exception exception) => exception switch
    {
        SqlException sql when sql.Errors.Cast<SqlError>().Any(static e => e.Number == 1205) => RelationalErrorKind.Deadlock,
        SqlException sql when sql.Errors.Cast<SqlError>().Any(static e => e.Number is 2627 or 2601) => RelationalErrorKind.UniqueViolation,
        _ when SqlServerDatabase.IsUnavailable(exception) => RelationalErrorKind.Unavailable,
        _ => RelationalErrorKind.Other,
    };
}
