using System.ComponentModel.DataAnnotations;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace InvoiceOcr.Samples.WebApi.Hosting;

/// <summary>The sample's own settings store location: <c>SampleDatabase:Path</c>.</summary>
public sealed class SampleDatabaseOptions
{
    /// <summary>The configuration section name.</summary>
    public const string SectionName = "SampleDatabase";

    /// <summary>Gets or sets the SQLite file that holds tenant credentials and refused-request counts.</summary>
    /// <value>The default value is <c>data/webapi.db</c>, relative to the content root.</value>
    [Required]
    public string Path { get; set; } = "data/webapi.db";
}

/// <summary>
/// The web sample's own small SQLite database, next to the SDK's store: tenant credentials (hashed) and refused-request
/// counts. It is deliberately separate from the SDK's store abstractions, which know nothing about HTTP callers; a
/// multi-instance deployment replaces <see cref="Tenants.ITenantCredentialStore"/> and <see cref="Refusals.IRefusalLog"/>
/// with implementations on its shared database.
/// </summary>
internal sealed class SampleDatabase
{
    private const string Schema = """
        PRAGMA journal_mode = WAL;
        CREATE TABLE IF NOT EXISTS TenantCredentials (
            Id TEXT NOT NULL PRIMARY KEY,
            CompanyId TEXT NOT NULL,
            Label TEXT NULL,
            SecretHash BLOB NOT NULL,
            CreatedAt TEXT NOT NULL,
            RevokedAt TEXT NULL);
        CREATE INDEX IF NOT EXISTS IX_TenantCredentials_CompanyId ON TenantCredentials (CompanyId);
        CREATE TABLE IF NOT EXISTS RefusedRequests (
            Day TEXT NOT NULL,
            CompanyId TEXT NOT NULL,
            Kind TEXT NOT NULL,
            Status INTEGER NOT NULL,
            Count INTEGER NOT NULL,
            LastAt TEXT NOT NULL,
            PRIMARY KEY (Day, CompanyId, Kind, Status));
        """;

    private readonly string _connectionString;
    private readonly Lock _gate = new();
    private bool _initialized;

    public SampleDatabase(IOptions<SampleDatabaseOptions> options, IWebHostEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(options);
        FilePath = System.IO.Path.GetFullPath(options.Value.Path, environment.ContentRootPath);
        _connectionString = new SqliteConnectionStringBuilder { DataSource = FilePath, Pooling = true, DefaultTimeout = 5 }.ToString();
    }

    public string FilePath { get; }

    public async Task<SqliteConnection> OpenAsync(CancellationToken cancellationToken)
    {
        EnsureCreated();
        var connection = new SqliteConnection(_connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using var busy = connection.CreateCommand();
            busy.CommandText = "PRAGMA busy_timeout = 5000;";
            await busy.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private void EnsureCreated()
    {
        lock (_gate)
        {
            if (_initialized)
            {
                return;
            }

            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(FilePath)!);
            if (!File.Exists(FilePath) && !OperatingSystem.IsWindows())
            {
                // Credential hashes are not secrets, but nobody but the service has any business reading them: 0600.
                using var created = new FileStream(FilePath, new FileStreamOptions
                {
                    Mode = FileMode.CreateNew,
                    Access = FileAccess.Write,
                    UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
                });
            }

            using var connection = new SqliteConnection(_connectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = Schema;
            command.ExecuteNonQuery();
            _initialized = true;
        }
    }
}
