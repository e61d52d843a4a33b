using System.Globalization;
using Microsoft.Data.Sqlite;

namespace InvoiceOcr.Sdk.Sqlite.Internal;

/// <summary>Opens configured connections to the store's database file and converts values to and from its storage forms.</summary>
internal sealed class SqliteDatabase
{
    private const string TimeFormat = "yyyy-MM-dd HH:mm:ss.fffffff";
    private const string DateFormat = "yyyy-MM-dd";

    private readonly string _connectionString;
    private readonly string _createConnectionString;
    private readonly int _busyTimeoutMs;

    public SqliteDatabase(SqliteStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.DatabasePath);
        Path = System.IO.Path.GetFullPath(options.DatabasePath);
        var timeoutSeconds = (int)Math.Ceiling(options.BusyTimeout.TotalSeconds);
        _busyTimeoutMs = (int)options.BusyTimeout.TotalMilliseconds;
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = options.Pooling,
            DefaultTimeout = timeoutSeconds,
        };
        _connectionString = builder.ToString();
        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        _createConnectionString = builder.ToString();
    }

    /// <summary>Gets the database file's full path.</summary>
    public string Path { get; }

    /// <summary>Opens a connection to an existing database file (a missing file is an error, never silently re-created).</summary>
    public Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => OpenCoreAsync(_connectionString, cancellationToken);

    /// <summary>Opens a connection, creating the file when missing (migrations only).</summary>
    public Task<SqliteConnection> OpenOrCreateAsync(CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        return OpenCoreAsync(_createConnectionString, cancellationToken);
    }

    private async Task<SqliteConnection> OpenCoreAsync(string connectionString, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            using var pragma = connection.CreateCommand();
            pragma.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {_busyTimeoutMs}; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
            await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Formats an instant as stored: UTC text that sorts in time order.</summary>
    public static string Time(DateTimeOffset value) => value.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    /// <summary>Formats an optional instant.</summary>
    public static object TimeOrNull(DateTimeOffset? value) => value is { } v ? Time(v) : DBNull.Value;

    /// <summary>Formats a date as stored.</summary>
    public static string Date(DateOnly value) => value.ToString(DateFormat, CultureInfo.InvariantCulture);

    /// <summary>Parses a stored instant.</summary>
    public static DateTimeOffset ParseTime(string value) =>
        new(DateTime.SpecifyKind(DateTime.ParseExact(value, TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None), DateTimeKind.Utc));

    /// <summary>Parses a stored date.</summary>
    public static DateOnly ParseDate(string value) => DateOnly.ParseExact(value, DateFormat, CultureInfo.InvariantCulture);

    /// <summary>Reads an optional stored instant.</summary>
    public static DateTimeOffset? ReadTime(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : ParseTime(reader.GetString(ordinal));

    /// <summary>Returns the value or <see cref="DBNull.Value"/>.</summary>
    public static object OrNull(object? value) => value ?? DBNull.Value;

    /// <summary>Returns whether an exception means the database cannot be reached now (missing/locked/unopenable file, I/O error), as opposed to a bad statement or record.</summary>
    public static bool IsUnavailable(Exception exception) => exception switch
    {
        InvoiceOcrException { Kind: InvoiceOcrErrorKind.StoreUnavailable } => true,
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 /* BUSY */ or 6 /* LOCKED */ or 10 /* IOERR */ or 13 /* FULL */ or 14 /* CANTOPEN */ or 8 /* READONLY */ or 11 /* CORRUPT */ or 26 /* NOTADB */,
        IOException or UnauthorizedAccessException => true,
        _ => false,
    };

    /// <summary>Wraps an unavailability failure in the SDK's error taxonomy; other exceptions pass through.</summary>
    public Exception Translate(Exception exception) =>
        exception is SqliteException && IsUnavailable(exception)
            ? new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, $"The SQLite store at '{Path}' is unavailable: {exception.Message}", exception)
            : exception;
}
