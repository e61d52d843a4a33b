using System.Data.Common;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// What differs between two relational providers that share <see cref="RelationalInvoiceOcrStore"/>: the parameter
/// prefix, how a parameter is typed, how times, dates, flags and small enums are stored and read back, and how the
/// provider's exceptions are classified. The SQL text itself (with its lock hints) is the provider's
/// <see cref="RelationalStatements"/>; connections and transactions come from its <see cref="RelationalConnectionFactory"/>.
/// </summary>
/// <remarks>Implementations are stateless and thread-safe; one instance serves every store of the provider.</remarks>
public abstract class RelationalDialect
{
    private readonly string _parameterPrefix;

    /// <summary>Initializes a dialect whose SQL text names parameters <c>@name</c> (SQL Server, PostgreSQL).</summary>
    protected RelationalDialect()
        : this("@")
    {
    }

    /// <summary>Initializes the dialect.</summary>
    /// <param name="parameterPrefix">The prefix every parameter name in the provider's SQL text carries (<c>$</c>, <c>@</c>).</param>
    protected RelationalDialect(string parameterPrefix)
    {
        ArgumentException.ThrowIfNullOrEmpty(parameterPrefix);
        _parameterPrefix = parameterPrefix;
    }

    /// <summary>Gets the prefix every parameter name in the provider's SQL text carries (<c>$</c>, <c>@</c>).</summary>
    public string ParameterPrefix => _parameterPrefix;

    /// <summary>
    /// Gets the database's name in OpenTelemetry's <c>db.system.name</c> (<c>sqlite</c>, <c>postgresql</c>,
    /// <c>microsoft.sql_server</c>), the tag of the store's <c>db.client.operation.duration</c>; <c>other_sql</c> by default.
    /// </summary>
    public virtual string SystemName => "other_sql";

    /// <summary>Adds a parameter named <paramref name="name"/> (without its prefix) to <paramref name="command"/>.</summary>
    /// <param name="command">The command.</param>
    /// <param name="name">The parameter name without the provider's prefix.</param>
    /// <param name="value">The value; <see langword="null"/> binds <see cref="DBNull"/>.</param>
    public void Add(DbCommand command, string name, object? value) => AddParameter(command, string.Concat(_parameterPrefix, name), value);

    /// <summary>Adds a parameter whose name already carries the provider's prefix, typed the provider's way.</summary>
    /// <param name="command">The command.</param>
    /// <param name="name">The full parameter name.</param>
    /// <param name="value">The value; <see langword="null"/> binds <see cref="DBNull"/>.</param>
    public abstract void AddParameter(DbCommand command, string name, object? value);

    /// <summary>Converts an instant to the value stored in a time column; by default the instant in UTC, for a provider that binds <see cref="DateTimeOffset"/>.</summary>
    /// <param name="value">The instant.</param>
    /// <returns>The parameter value.</returns>
    public virtual object Time(DateTimeOffset value) => value.ToUniversalTime();

    /// <summary>Converts a day to the value stored in a date column.</summary>
    /// <param name="value">The day.</param>
    /// <returns>The parameter value; by default the day itself, for a provider that binds <see cref="DateOnly"/>.</returns>
    public virtual object Date(DateOnly value) => value;

    /// <summary>Converts a flag to the value stored in a flag column.</summary>
    /// <param name="value">The flag.</param>
    /// <returns>The parameter value; by default the flag itself, for a provider with a boolean column type.</returns>
    public virtual object Flag(bool value) => value;

    /// <summary>Converts a small enum value (outcome, log level) to the value stored in its column.</summary>
    /// <param name="value">The numeric enum value.</param>
    /// <returns>The parameter value.</returns>
    public abstract object SmallInteger(int value);

    /// <summary>Reads a non-null time column as UTC.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="ordinal">The column.</param>
    /// <returns>The instant.</returns>
    public abstract DateTimeOffset ReadTime(DbDataReader reader, int ordinal);

    /// <summary>Reads a nullable time column as UTC.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="ordinal">The column.</param>
    /// <returns>The instant, or <see langword="null"/>.</returns>
    public DateTimeOffset? ReadNullableTime(DbDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : ReadTime(reader, ordinal);

    /// <summary>Reads a non-null date column.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="ordinal">The column.</param>
    /// <returns>The day; by default read as <see cref="DateOnly"/>.</returns>
    public virtual DateOnly ReadDate(DbDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.GetFieldValue<DateOnly>(ordinal);
    }

    /// <summary>Reads a non-null flag column.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="ordinal">The column.</param>
    /// <returns>The flag; by default read as a boolean.</returns>
    public virtual bool ReadFlag(DbDataReader reader, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return reader.GetBoolean(ordinal);
    }

    /// <summary>Reads a non-null small integer column written by <see cref="SmallInteger"/>.</summary>
    /// <param name="reader">The reader.</param>
    /// <param name="ordinal">The column.</param>
    /// <returns>The numeric value.</returns>
    public abstract int ReadSmallInteger(DbDataReader reader, int ordinal);

    /// <summary>
    /// Classifies a provider exception. <see cref="RelationalErrorKind.Unavailable"/> and
    /// <see cref="RelationalErrorKind.Deadlock"/> surface as <see cref="InvoiceOcrErrorKind.StoreUnavailable"/> (the
    /// caller may retry); <see cref="RelationalErrorKind.UniqueViolation"/> is how a concurrent insert of the same key
    /// is recognized; anything else passes through unchanged.
    /// </summary>
    /// <param name="exception">The exception a statement, open or commit threw.</param>
    /// <returns>The classification.</returns>
    public abstract RelationalErrorKind Classify(Exception exception);
}

/// <summary>How a <see cref="RelationalDialect"/> classifies a provider's exception.</summary>
public enum RelationalErrorKind
{
    /// <summary>A bad statement or record: passed through unchanged.</summary>
    Other = 0,

    /// <summary>The database cannot be reached now (network, failover, throttling, busy or missing file).</summary>
    Unavailable = 1,

    /// <summary>The transaction was chosen as a deadlock victim and rolled back.</summary>
    Deadlock = 2,

    /// <summary>A unique or primary key constraint rejected an insert.</summary>
    UniqueViolation = 3,
}
