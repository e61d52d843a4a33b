using System.Data;
using System.Data.Common;
using InvoiceOcr.Sdk.Persistence.Ado;
using Microsoft.Data.SqlClient;

namespace InvoiceOcr.Sdk.SqlServer.Internal;

/// <summary>
/// SQL Server's side of the shared ADO.NET mapping: <c>@name</c> parameters with explicit types (so plans are
/// reused and no implicit conversion defeats an index), <c>datetime2(7)</c> UTC instants, <c>date</c> days,
/// <c>bit</c> flags and <c>tinyint</c> small enums.
/// </summary>
internal sealed class SqlServerDialect : AdoDialect
{
    /// <summary>The one instance.</summary>
    public static readonly SqlServerDialect Instance = new();

    private SqlServerDialect()
        : base("@")
    {
    }

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
    public override void AddParameter(DbCommand command, string name, object? value) => Add((SqlCommand)command, name, value);

    /// <inheritdoc />
    public override object Time(DateTimeOffset value) => value;

    /// <inheritdoc />
    public override object Date(DateOnly value) => value;

    /// <inheritdoc />
    public override object Flag(bool value) => value;

    /// <inheritdoc />
    public override object SmallInteger(int value) => (byte)value;

    /// <inheritdoc />
    public override DateTimeOffset ReadTime(DbDataReader reader, int ordinal) => Utc(reader.GetDateTime(ordinal));

    /// <inheritdoc />
    public override DateOnly ReadDate(DbDataReader reader, int ordinal) => DateOnly.FromDateTime(reader.GetDateTime(ordinal));

    /// <inheritdoc />
    public override bool ReadFlag(DbDataReader reader, int ordinal) => reader.GetBoolean(ordinal);

    /// <inheritdoc />
    public override int ReadSmallInteger(DbDataReader reader, int ordinal) => reader.GetByte(ordinal);
}
