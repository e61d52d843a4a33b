using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace InvoiceOcr.Sdk.Sqlite.Internal;

/// <summary>Opens configured connections to the store's database file and converts values to and from its storage forms.</summary>
internal sealed class SqliteDatabase
{
    private const string TimeFormat = "yyyy-MM-dd HH:mm:ss.fffffff";
    private const string DateFormat = "yyyy-MM-dd";

    /// <summary>The settings applied to each native connection, which a pooled connection keeps from one open to the next.</summary>
    private static readonly ConditionalWeakTable<sqlite3, HandleSettings> s_handleSettings = [];

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
        LedgerSynchronous = options.LedgerDurability == SqliteLedgerDurability.SurvivesProcessCrash ? SqliteSynchronous.Normal : SqliteSynchronous.Full;
    }

    /// <summary>Gets the database file's full path.</summary>
    public string Path { get; }

    /// <summary>Gets the <c>synchronous</c> level of usage and retry ledger commits, from <see cref="SqliteStoreOptions.LedgerDurability"/>.</summary>
    public SqliteSynchronous LedgerSynchronous { get; }

    /// <summary>Opens a connection to an existing database file (a missing file is an error, never silently re-created), for reading.</summary>
    public Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) => OpenCoreAsync(_connectionString, null, cancellationToken);

    /// <summary>Opens a connection to an existing database file whose commits use the given <c>synchronous</c> level.</summary>
    /// <param name="synchronous">The level the connection's commits use.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    public Task<SqliteConnection> OpenAsync(SqliteSynchronous synchronous, CancellationToken cancellationToken) =>
        OpenCoreAsync(_connectionString, synchronous, cancellationToken);

    /// <summary>Opens a connection, creating the file when missing (migrations only).</summary>
    public Task<SqliteConnection> OpenOrCreateAsync(CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        return OpenCoreAsync(_createConnectionString, SqliteSynchronous.Full, cancellationToken);
    }

    /// <summary>
    /// Opens a connection and configures its native connection: busy timeout, foreign keys and in-memory temporary
    /// storage once per native connection (pooled connections keep them), and the <c>synchronous</c> level whenever it
    /// differs from the one the native connection last used (a per-connection setting SQLite reads at each commit).
    /// In-memory temporary storage matters for speed: every <c>RETURNING</c> statement (reservations, settlements)
    /// buffers its rows in a temporary table, which with file-backed temporary storage costs far more than the
    /// statement itself.
    /// </summary>
    private async Task<SqliteConnection> OpenCoreAsync(string connectionString, SqliteSynchronous? synchronous, CancellationToken cancellationToken)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            var handle = connection.Handle!;
            string? pragmas = null;
            if (!s_handleSettings.TryGetValue(handle, out var settings) || settings.BusyTimeoutMs != _busyTimeoutMs)
            {
                var level = synchronous ?? SqliteSynchronous.Full;
                pragmas = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {_busyTimeoutMs}; PRAGMA synchronous = {(int)level}; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;");
                settings = new HandleSettings(_busyTimeoutMs) { Synchronous = level };
                s_handleSettings.AddOrUpdate(handle, settings);
            }
            else if (synchronous is { } level && settings.Synchronous != level)
            {
                pragmas = level == SqliteSynchronous.Full ? "PRAGMA synchronous = 2;" : "PRAGMA synchronous = 1;";
                settings.Synchronous = level;
            }

            if (pragmas is not null)
            {
                try
                {
                    using var pragma = connection.CreateCommand();
                    pragma.CommandText = pragmas;
                    await pragma.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                }
                catch
                {
                    s_handleSettings.Remove(handle);
                    throw;
                }
            }

            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Formats an instant as stored: UTC text that sorts in time order.</summary>
    /// <remarks>Written digit by digit (the same text as the custom format <c>yyyy-MM-dd HH:mm:ss.fffffff</c>): the ledger formats three instants per row.</remarks>
    public static string Time(DateTimeOffset value) => string.Create(27, value.UtcDateTime, static (span, utc) =>
    {
        WriteDate(span, utc.Year, utc.Month, utc.Day);
        span[10] = ' ';
        Write2(span[11..], utc.Hour);
        span[13] = ':';
        Write2(span[14..], utc.Minute);
        span[16] = ':';
        Write2(span[17..], utc.Second);
        span[19] = '.';
        var fraction = (int)(utc.Ticks % TimeSpan.TicksPerSecond);
        for (var i = 26; i >= 20; i--)
        {
            span[i] = (char)('0' + (fraction % 10));
            fraction /= 10;
        }
    });

    /// <summary>Formats an optional instant.</summary>
    public static object TimeOrNull(DateTimeOffset? value) => value is { } v ? Time(v) : DBNull.Value;

    /// <summary>Formats a date as stored.</summary>
    public static string Date(DateOnly value) => string.Create(10, value, static (span, day) => WriteDate(span, day.Year, day.Month, day.Day));

    private static void WriteDate(Span<char> span, int year, int month, int day)
    {
        span[0] = (char)('0' + (year / 1000));
        span[1] = (char)('0' + (year / 100 % 10));
        Write2(span[2..], year % 100);
        span[4] = '-';
        Write2(span[5..], month);
        span[7] = '-';
        Write2(span[8..], day);
    }

    private static void Write2(Span<char> span, int value)
    {
        span[0] = (char)('0' + (value / 10));
        span[1] = (char)('0' + (value % 10));
    }

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

    /// <summary>What has been applied to one native connection.</summary>
    private sealed class HandleSettings(int busyTimeoutMs)
    {
        public int BusyTimeoutMs { get; } = busyTimeoutMs;

        public SqliteSynchronous Synchronous { get; set; }
    }
}
