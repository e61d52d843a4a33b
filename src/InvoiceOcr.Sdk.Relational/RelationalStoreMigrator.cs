using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// The migration procedure every relational provider shares: in one transaction that holds the provider's migration
/// lock, create the version table when missing, read the schema version, refuse a newer schema, apply each pending
/// embedded migration in order and record it, then commit, so instances starting together migrate once and a failed
/// migration is rolled back where the database allows. Commands come from the provider's
/// <see cref="RelationalConnectionFactory"/> and the SQL from its <see cref="RelationalMigrationStatements"/>; a
/// provider overrides only what differs (its lock, how a script splits into batches, how its file is created).
/// </summary>
public abstract partial class RelationalStoreMigrator : IRelationalStoreMigrator
{
    private readonly IReadOnlyList<(int Version, string Name, string Sql)> _migrations;
    private readonly RelationalMigrationStatements _statements;
    private readonly RelationalDialect _dialect;
    private readonly ILogger _logger;

    /// <summary>Initializes the migrator.</summary>
    /// <param name="storeName">The store's name in messages (<c>SQLite</c>, <c>SQL Server</c>, <c>PostgreSQL</c>).</param>
    /// <param name="packageName">The provider package's name, for the "upgrade the package" message.</param>
    /// <param name="migrations">The provider's migrations by version, numbered 1..N (<see cref="RelationalMigrations.Load"/>).</param>
    /// <param name="statements">The provider's version-table statements.</param>
    /// <param name="dialect">The provider's dialect, which binds the version and name.</param>
    /// <param name="connections">The provider's connections and commands.</param>
    /// <param name="logger">Logs each migration applied.</param>
    protected RelationalStoreMigrator(
        string storeName,
        string packageName,
        IReadOnlyList<(int Version, string Name, string Sql)> migrations,
        RelationalMigrationStatements statements,
        RelationalDialect dialect,
        RelationalConnectionFactory connections,
        ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(storeName);
        ArgumentException.ThrowIfNullOrWhiteSpace(packageName);
        ArgumentNullException.ThrowIfNull(migrations);
        ArgumentNullException.ThrowIfNull(statements);
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentNullException.ThrowIfNull(logger);
        StoreName = storeName;
        PackageName = packageName;
        _migrations = migrations;
        _statements = statements;
        _dialect = dialect;
        Connections = connections;
        _logger = logger;
    }

    /// <inheritdoc />
    public string StoreName { get; }

    /// <inheritdoc />
    public int LatestVersion => _migrations.Count == 0 ? 0 : _migrations[^1].Version;

    /// <summary>Gets the provider package's name.</summary>
    protected string PackageName { get; }

    /// <summary>Gets the provider's connections and commands.</summary>
    protected RelationalConnectionFactory Connections { get; }

    /// <summary>Gets what to do when the schema is behind and auto-migration is off, for example "Set XxxStoreOptions.AutoMigrate = true, or …, then restart.".</summary>
    protected abstract string BehindFix { get; }

    /// <inheritdoc />
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken)
    {
        var applied = new List<int>();
        var connection = await OpenForMigrationAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await Connections.BeginTransactionAsync(connection, RelationalWork.Configuration, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await AcquireLockAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                await ExecuteAsync(connection, transaction, _statements.CreateVersionTable, cancellationToken).ConfigureAwait(false);
                var current = await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                ThrowIfNewer(current);
                foreach (var migration in _migrations.Where(m => m.Version > current))
                {
                    foreach (var batch in SplitScript(migration.Sql))
                    {
                        await ExecuteAsync(connection, transaction, batch, cancellationToken).ConfigureAwait(false);
                    }

                    using (var record = Connections.CreateCommand(connection, transaction, _statements.InsertVersion))
                    {
                        _dialect.Add(record, "version", migration.Version);
                        _dialect.Add(record, "name", migration.Name);
                        await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                    }

                    applied.Add(migration.Version);
                    LogApplied(_logger, migration.Name, StoreName, Connections.DisplayName);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return applied;
    }

    /// <inheritdoc />
    /// <remarks>0 when the version table does not exist.</remarks>
    public virtual async Task<int> GetVersionAsync(CancellationToken cancellationToken)
    {
        var connection = await Connections.OpenAsync(RelationalWork.Read, cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var exists = Connections.CreateCommand(connection, null, _statements.VersionTableExists);
            if (Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture) == 0)
            {
                return 0;
            }

            return await ReadVersionAsync(connection, null, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async Task EnsureCurrentAsync(CancellationToken cancellationToken)
    {
        var current = await GetVersionAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfNewer(current);
        if (current < LatestVersion)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.StoreUnavailable,
                string.Create(CultureInfo.InvariantCulture, $"The InvoiceOcr {StoreName} schema '{Connections.DisplayName}' is at version {current} but this package needs version {LatestVersion}. {BehindFix}"));
        }
    }

    /// <summary>Opens the connection the migration runs on; by default a <see cref="RelationalWork.Configuration"/> connection (a file store may create the file here).</summary>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The open connection, disposed by the caller.</returns>
    protected virtual Task<DbConnection> OpenForMigrationAsync(CancellationToken cancellationToken) =>
        Connections.OpenAsync(RelationalWork.Configuration, cancellationToken);

    /// <summary>Takes the provider's migration lock in the migration transaction, failing with a typed error when it cannot; by default none (the transaction itself serializes migrations, as SQLite's write lock does).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="transaction">The migration transaction.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>A task that completes when the lock is held.</returns>
    protected virtual Task AcquireLockAsync(DbConnection connection, DbTransaction transaction, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Splits a migration script into the batches run one by one; by default the whole script is one batch.</summary>
    /// <param name="script">The script as embedded.</param>
    /// <returns>The batches, in order.</returns>
    protected virtual IEnumerable<string> SplitScript(string script) => [script];

    private async Task<int> ReadVersionAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        using var command = Connections.CreateCommand(connection, transaction, _statements.SelectVersion);
        return Convert.ToInt32(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false), CultureInfo.InvariantCulture);
    }

    private async Task ExecuteAsync(DbConnection connection, DbTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = Connections.CreateCommand(connection, transaction, sql);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private void ThrowIfNewer(int current)
    {
        if (current > LatestVersion)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.StoreUnavailable,
                string.Create(CultureInfo.InvariantCulture, $"The InvoiceOcr {StoreName} schema '{Connections.DisplayName}' is at version {current}, newer than this package's version {LatestVersion}. Upgrade the {PackageName} package; it will not run against a newer schema."));
        }
    }

    [LoggerMessage(3201, LogLevel.Information, "Applied migration {Migration} to the {Store} store {Database}.")]
    private static partial void LogApplied(ILogger logger, string migration, string store, string database);
}
