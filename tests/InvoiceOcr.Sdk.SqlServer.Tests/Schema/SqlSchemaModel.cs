using Microsoft.SqlServer.TransactSql.ScriptDom;

namespace InvoiceOcr.Sdk.SqlServer.Tests.Schema;

/// <summary>The families of SQL Server types whose values convert into each other without an error.</summary>
public enum SqlTypeKind
{
    /// <summary>Not known (an expression the binder does not type); compatible with everything.</summary>
    Unknown,

    /// <summary><c>nvarchar</c>, <c>varchar</c>, <c>nchar</c>, <c>char</c>.</summary>
    Text,

    /// <summary><c>varbinary</c>, <c>binary</c>.</summary>
    Binary,

    /// <summary><c>tinyint</c>, <c>smallint</c>, <c>int</c>, <c>bigint</c>.</summary>
    Integer,

    /// <summary><c>bit</c>.</summary>
    Bit,

    /// <summary><c>decimal</c>, <c>numeric</c>, <c>float</c>, <c>real</c>.</summary>
    Decimal,

    /// <summary><c>datetime2</c>, <c>datetime</c>, <c>datetimeoffset</c>.</summary>
    DateTime,

    /// <summary><c>date</c>.</summary>
    Date,
}

/// <summary>A type as the binder sees it: its family, its integer width in bytes (0 when not an integer) and a display name.</summary>
/// <param name="Kind">The family.</param>
/// <param name="IntegerBytes">The width of an integer type (1, 2, 4, 8), else 0.</param>
/// <param name="Name">The name to show in an error.</param>
public sealed record SqlType(SqlTypeKind Kind, int IntegerBytes, string Name)
{
    /// <summary>Gets the unknown type.</summary>
    public static SqlType Unknown { get; } = new(SqlTypeKind.Unknown, 0, "?");

    /// <summary>Whether a value of one type can be compared with or stored into the other without a conversion error.</summary>
    public static bool Compatible(SqlType a, SqlType b)
    {
        if (a.Kind == SqlTypeKind.Unknown || b.Kind == SqlTypeKind.Unknown || a.Kind == b.Kind)
        {
            return true;
        }

        static bool Numeric(SqlTypeKind k) => k is SqlTypeKind.Integer or SqlTypeKind.Bit or SqlTypeKind.Decimal;
        static bool Temporal(SqlTypeKind k) => k is SqlTypeKind.DateTime or SqlTypeKind.Date;
        return (Numeric(a.Kind) && Numeric(b.Kind)) || (Temporal(a.Kind) && Temporal(b.Kind));
    }

    /// <summary>Maps a declared SQL Server type.</summary>
    public static SqlType From(DataTypeReference type)
    {
        var name = type is SqlDataTypeReference sql ? sql.SqlDataTypeOption.ToString().ToUpperInvariant() : type.Name.BaseIdentifier.Value.ToUpperInvariant();
        return name switch
        {
            "NVARCHAR" or "VARCHAR" or "NCHAR" or "CHAR" or "NTEXT" or "TEXT" or "SYSNAME" => new(SqlTypeKind.Text, 0, name),
            "VARBINARY" or "BINARY" or "IMAGE" => new(SqlTypeKind.Binary, 0, name),
            "TINYINT" => new(SqlTypeKind.Integer, 1, name),
            "SMALLINT" => new(SqlTypeKind.Integer, 2, name),
            "INT" => new(SqlTypeKind.Integer, 4, name),
            "BIGINT" => new(SqlTypeKind.Integer, 8, name),
            "BIT" => new(SqlTypeKind.Bit, 0, name),
            "DECIMAL" or "NUMERIC" or "FLOAT" or "REAL" or "MONEY" => new(SqlTypeKind.Decimal, 0, name),
            "DATETIME2" or "DATETIME" or "DATETIMEOFFSET" or "SMALLDATETIME" => new(SqlTypeKind.DateTime, 0, name),
            "DATE" => new(SqlTypeKind.Date, 0, name),
            _ => Unknown,
        };
    }

    /// <summary>
    /// Maps the .NET type of a bound parameter value the way SqlClient infers the parameter's type (and the way
    /// <c>SqlServerDialect.Add</c> types instants and days). Nullable value types map as their underlying type.
    /// </summary>
    /// <param name="clrTypeName">The full name of the value's static type, for example <c>System.Int64</c>.</param>
    public static SqlType FromClr(string? clrTypeName) => clrTypeName switch
    {
        "System.String" => new(SqlTypeKind.Text, 0, "string"),
        "System.Byte[]" => new(SqlTypeKind.Binary, 0, "byte[]"),
        "System.Byte" => new(SqlTypeKind.Integer, 1, "byte"),
        "System.Int16" => new(SqlTypeKind.Integer, 2, "short"),
        "System.Int32" => new(SqlTypeKind.Integer, 4, "int"),
        "System.Int64" => new(SqlTypeKind.Integer, 8, "long"),
        "System.Boolean" => new(SqlTypeKind.Bit, 0, "bool"),
        "System.Decimal" or "System.Double" or "System.Single" => new(SqlTypeKind.Decimal, 0, clrTypeName),
        "System.DateTimeOffset" or "System.DateTime" => new(SqlTypeKind.DateTime, 0, clrTypeName),
        "System.DateOnly" => new(SqlTypeKind.Date, 0, "DateOnly"),
        _ => Unknown,
    };

    /// <inheritdoc />
    public override string ToString() => Name;
}

/// <summary>One column of a table or view.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Type">Its type.</param>
/// <param name="Nullable">Whether it accepts NULL.</param>
/// <param name="HasDefault">Whether an INSERT may leave it out (a DEFAULT or IDENTITY).</param>
public sealed record SqlColumn(string Name, SqlType Type, bool Nullable, bool HasDefault);

/// <summary>A table or view the migrations create, or a derived table inside a statement.</summary>
public sealed class SqlRelation
{
    private readonly Dictionary<string, SqlColumn> _columns = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Creates a relation.</summary>
    public SqlRelation(string? schema, string name, bool isView, IEnumerable<SqlColumn> columns)
    {
        Schema = schema;
        Name = name;
        IsView = isView;
        Columns = [.. columns];
        foreach (var column in Columns)
        {
            _columns.TryAdd(column.Name, column);
        }
    }

    /// <summary>Gets the schema (null for a derived table).</summary>
    public string? Schema { get; }

    /// <summary>Gets the name.</summary>
    public string Name { get; }

    /// <summary>Gets whether this is a view.</summary>
    public bool IsView { get; }

    /// <summary>Gets the columns in declaration order.</summary>
    public IReadOnlyList<SqlColumn> Columns { get; }

    /// <summary>Gets the display name, <c>[schema].[name]</c>.</summary>
    public string DisplayName => Schema is null ? "[" + Name + "]" : "[" + Schema + "].[" + Name + "]";

    /// <summary>Finds a column by name (case-insensitive, as the default collation of names).</summary>
    public SqlColumn? Find(string column) => _columns.GetValueOrDefault(column);
}

/// <summary>The kind of a binding error, so a test can ask for the exact rejection it expects.</summary>
public enum BindErrorKind
{
    /// <summary>A table, view or procedure that does not exist in any schema.</summary>
    UnknownObject,

    /// <summary>A table that exists, but not in the schema the statement names (or in <c>dbo</c> when it names none).</summary>
    WrongSchema,

    /// <summary>A column that is not in the table, alias or scope it is looked up in.</summary>
    UnknownColumn,

    /// <summary>A qualifier that names no table or alias of the statement.</summary>
    UnknownQualifier,

    /// <summary>An unqualified column found in two tables of the same scope.</summary>
    AmbiguousColumn,

    /// <summary>A SELECT alias used in WHERE, GROUP BY, HAVING or a SELECT list, where only table columns are in scope.</summary>
    SelectAliasAsColumn,

    /// <summary>A <c>@variable</c> neither declared in the batch nor bound by the C# code.</summary>
    UndeclaredParameter,

    /// <summary>A parameter the C# code binds that the statement does not use.</summary>
    UnusedParameter,

    /// <summary>An INSERT whose column list and values differ in count.</summary>
    InsertCountMismatch,

    /// <summary>An INSERT leaving out a NOT NULL column without a default, or storing NULL into one.</summary>
    NotNullViolation,

    /// <summary>Two operands, or a value and its column, whose types do not convert (or an integer wider than its column).</summary>
    TypeMismatch,

    /// <summary>A function that is not a SQL Server built-in the binder knows.</summary>
    UnknownFunction,

    /// <summary>An <c>inserted.</c>/<c>deleted.</c> reference outside an OUTPUT clause, of the wrong pseudo table, or to a column of another table.</summary>
    PseudoTableColumn,

    /// <summary>A column the C# code reads from the results that is not there, or not of the type its getter reads.</summary>
    ResultColumn,

    /// <summary>A construct the binder does not model; it fails closed rather than pass what it cannot check.</summary>
    Unsupported,
}

/// <summary>One binding error.</summary>
/// <param name="Kind">What is wrong.</param>
/// <param name="Message">Where and why.</param>
public sealed record BindError(BindErrorKind Kind, string Message)
{
    /// <inheritdoc />
    public override string ToString() => Kind + ": " + Message;
}
