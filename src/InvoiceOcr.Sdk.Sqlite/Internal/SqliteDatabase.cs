using System.Collections.Concurrent;
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

    /// <summary>How many idle open connections each of the store's own pools keeps (more are closed on release).</summary>
    private const int MaxIdlePerLevel = 8;

    /// <summary>
    /// The write-ahead log's length (frames) at which a commit checkpoints it itself: a bound for when the background
    /// checkpoint does not keep up (or another writer on the file does not count its commits here). SQLite's default is 1,000.
    /// </summary>
    internal const int AutoCheckpointFrames = 4000;

    /// <summary>
    /// Every how many commits the store checkpoints the log in the background (~9 frames a commit on the model-call path:
    /// about SQLite's default 1,000 frames), so no caller's commit pays for copying the log back and syncing the file.
    /// </summary>
    internal const int CommitsPerCheckpoint = 100;

    private int _commits;
    private int _checkpointDue;
    private int _checkpointing;

    /// <summary>The command caches of the connections this store keeps open (its own pool); a connection without one is not pooled here.</summary>
    private static readonly ConditionalWeakTable<SqliteConnection, SqliteCommandCache> s_caches = [];

    private readonly string _connectionString;
    private readonly string _createConnectionString;
    private readonly int _busyTimeoutMs;
    private readonly bool _pooling;

    /// <summary>
    /// Idle open connections by <c>synchronous</c> level (index: NORMAL 0, FULL 1), their statements prepared. Per instance,
    /// not static: a store no longer referenced takes its kept connections with it.
    /// </summary>
    private readonly ConcurrentBag<SqliteConnection>[] _idle = [[], []];

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
        _pooling = options.Pooling;
        builder.Mode = SqliteOpenMode.ReadWriteCreate;
        _createConnectionString = builder.ToString();
        LedgerSynchronous = options.LedgerDurability == SqliteLedgerDurability.SurvivesProcessCrash ? SqliteSynchronous.Normal : SqliteSynchronous.Full;
    }

    /// <summary>Gets the database file's full path.</summary>
    public string Path { get; }

    /// <summary>Gets the <c>synchronous</c> level of usage and retry ledger commits, from <see cref="SqliteStoreOptions.LedgerDurability"/>.</summary>
    public SqliteSynchronous LedgerSynchronous { get; }

    /// <summary>Opens a connection to an existing database file (a missing file is an error, never silently re-created), for reading.</summary>
    public Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken) =>
        _pooling ? RentAsync(SqliteSynchronous.Normal, cancellationToken) : OpenCoreAsync(_connectionString, null, cancellationToken);

    /// <summary>Opens a connection to an existing database file whose commits use the given <c>synchronous</c> level.</summary>
    /// <param name="synchronous">The level the connection's commits use.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    public Task<SqliteConnection> OpenAsync(SqliteSynchronous synchronous, CancellationToken cancellationToken) =>
        _pooling ? RentAsync(synchronous, cancellationToken) : OpenCoreAsync(_connectionString, synchronous, cancellationToken);

    /// <summary>
    /// Opens a connection the store does not keep (closed on release), for the schema's migrator and health check: "can the
    /// database be opened now" is answered by a new open, never by a kept connection that may have cached a file since replaced.
    /// </summary>
    /// <param name="synchronous">The level the connection's commits use; <see langword="null"/> for reading.</param>
    /// <param name="cancellationToken">Cancels the open.</param>
    public Task<SqliteConnection> OpenUnkeptAsync(SqliteSynchronous? synchronous, CancellationToken cancellationToken) =>
        OpenCoreAsync(_connectionString, synchronous, cancellationToken);

    /// <summary>Returns whether a file is empty (a database SQLite has not written yet) or starts with SQLite's 16-byte header.</summary>
    /// <param name="path">The file.</param>
    /// <returns><see langword="false"/> when it holds something else.</returns>
    public static bool HasDatabaseHeader(string path)
    {
        ReadOnlySpan<byte> magic = "SQLite format 3\0"u8;
        Span<byte> header = stackalloc byte[16];
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        if (file.Length == 0)
        {
            return true;
        }

        return file.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length && header.SequenceEqual(magic);
    }

    /// <summary>Gets the command cache of a connection from this store's own pool.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="cache">Its cache.</param>
    /// <returns><see langword="true"/> when the connection is one the store keeps open.</returns>
    public static bool TryGetCache(SqliteConnection connection, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SqliteCommandCache? cache) =>
        s_caches.TryGetValue(connection, out cache);

    /// <summary>
    /// Gives back a connection the operation is done with: one from the store's own pool stays open (its prepared statements
    /// with it) for the next operation of its level; any other is closed.
    /// </summary>
    /// <param name="connection">The connection, with no transaction open.</param>
    /// <returns>A task that completes when it is given back.</returns>
    public ValueTask ReleaseAsync(SqliteConnection connection)
    {
        StartCheckpointIfDue();
        if (s_caches.TryGetValue(connection, out var cache) && connection.State == System.Data.ConnectionState.Open)
        {
            var idle = _idle[Index(cache.Synchronous)];
            if (idle.Count < MaxIdlePerLevel)
            {
                idle.Add(connection);
                return ValueTask.CompletedTask;
            }
        }

        cache?.DisposeStatements();
        return connection.DisposeAsync();
    }

    private static ValueTask CloseAsync(SqliteConnection connection)
    {
        if (s_caches.TryGetValue(connection, out var cache))
        {
            cache.DisposeStatements();
        }

        return connection.DisposeAsync();
    }

    /// <summary>
    /// Takes an idle open connection of the level, or opens one. Each connection keeps one <c>synchronous</c> level for life, so
    /// no commit switches it. A connection stays open only while the database file is where it was opened: when the file is
    /// gone (moved, deleted) the idle ones are closed and the open fails like any open of a missing file, so the store never
    /// writes on into a file taken away.
    /// </summary>
    private async Task<SqliteConnection> RentAsync(SqliteSynchronous synchronous, CancellationToken cancellationToken)
    {
        var idle = _idle[Index(synchronous)];
        if (!idle.IsEmpty)
        {
            if (!File.Exists(Path))
            {
                await CloseIdleAsync().ConfigureAwait(false);
            }
            else
            {
                while (idle.TryTake(out var pooled))
                {
                    if (pooled.State == System.Data.ConnectionState.Open)
                    {
                        return pooled;
                    }

                    await CloseAsync(pooled).ConfigureAwait(false);
                }
            }
        }

        var connection = await OpenCoreAsync(_connectionString, synchronous, cancellationToken).ConfigureAwait(false);
        s_caches.AddOrUpdate(connection, new SqliteCommandCache(synchronous));
        return connection;
    }

    /// <summary>Closes the idle kept connections (the database file is gone: nothing may write on into it).</summary>
    /// <returns>A task that completes when they are closed.</returns>
    private async ValueTask CloseIdleAsync()
    {
        foreach (var idle in _idle)
        {
            while (idle.TryTake(out var pooled))
            {
                // Closed for real, not handed to the provider's own pool of native connections (which would keep the file open).
                SqliteConnection.ClearPool(pooled);
                await CloseAsync(pooled).ConfigureAwait(false);
            }
        }
    }

    private static int Index(SqliteSynchronous synchronous) => synchronous == SqliteSynchronous.Full ? 1 : 0;

    /// <summary>Opens a connection, creating the file when missing (migrations only).</summary>
    public Task<SqliteConnection> OpenOrCreateAsync(CancellationToken cancellationToken)
    {
        var directory = System.IO.Path.GetDirectoryName(Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        CreateOwnerOnly(Path);
        return OpenCoreAsync(_createConnectionString, SqliteSynchronous.Full, cancellationToken);
    }

    /// <summary>
    /// Creates an empty database file readable and writable by its owner only (0600) when it does not exist yet: it holds
    /// sealed secrets and the ledger. SQLite gives its <c>-wal</c> and <c>-shm</c> files the database file's permissions.
    /// </summary>
    /// <param name="path">The database file.</param>
    internal static void CreateOwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows() || File.Exists(path))
        {
            return;
        }

        try
        {
            using var file = new FileStream(path, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            });
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: theirs is the file.
        }
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
                pragmas = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {_busyTimeoutMs}; PRAGMA synchronous = {(int)level}; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY; PRAGMA wal_autocheckpoint = {AutoCheckpointFrames};");
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

    /// <summary>
    /// Counts a commit of the store's; every <see cref="CommitsPerCheckpoint"/>th starts a background checkpoint (unless one
    /// runs). A <c>PASSIVE</c> checkpoint never waits for (or blocks) a reader or writer of any process, and SQLite lets one
    /// checkpoint run at a time per file, so processes sharing the file each run theirs safely. It syncs the log before it
    /// copies pages back and the database file after: what a commit survives does not change, only who waits for it.
    /// </summary>
    /// <remarks>Called just before the commit; the checkpoint starts when that connection is released, after the commit, so it copies the counted commit back too.</remarks>
    public void Committed()
    {
        if (Interlocked.Increment(ref _commits) % CommitsPerCheckpoint == 0)
        {
            Volatile.Write(ref _checkpointDue, 1);
        }
    }

    private void StartCheckpointIfDue()
    {
        if (Volatile.Read(ref _checkpointDue) == 1 && Interlocked.Exchange(ref _checkpointDue, 0) == 1 && Interlocked.CompareExchange(ref _checkpointing, 1, 0) == 0)
        {
            LastCheckpoint = Task.Run(CheckpointAsync);
        }
    }

    /// <summary>Gets the most recent background checkpoint (tests wait for it; it never faults).</summary>
    internal Task LastCheckpoint { get; private set; } = Task.CompletedTask;

    /// <summary>Gets what the most recent background checkpoint reported: busy (0 or 1), the log's frames, the frames copied back.</summary>
    internal (long Busy, long LogFrames, long CheckpointedFrames)? LastCheckpointResult { get; private set; }

    /// <summary>Runs one <c>PASSIVE</c> checkpoint on a kept connection; a failure leaves the log to the next one (or to the automatic bound).</summary>
    /// <returns>A task that completes when it is done.</returns>
    internal async Task CheckpointAsync()
    {
        try
        {
            var connection = await OpenAsync(SqliteSynchronous.Full, CancellationToken.None).ConfigureAwait(false);
            try
            {
                using var checkpoint = connection.CreateCommand();
                checkpoint.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
                using var reader = await checkpoint.ExecuteReaderAsync().ConfigureAwait(false);
                if (await reader.ReadAsync().ConfigureAwait(false))
                {
                    LastCheckpointResult = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
                }
            }
            finally
            {
                await ReleaseAsync(connection).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (IsUnavailable(exception) || exception is SqliteException or InvalidOperationException)
        {
            // The file is busy, gone or closed: the next checkpoint, or a commit at the automatic bound, does it.
        }
        finally
        {
            Volatile.Write(ref _checkpointing, 0);
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
