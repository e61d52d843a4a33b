using System.Data.Common;
using System.Globalization;
using Microsoft.Extensions.Logging;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// The migration procedure every relational provider shares: in one transaction that holds the provider's migration
/// lock, read the schema version, refuse a newer schema, apply each pending embedded migration in order and record it,
/// then commit, so instances starting together migrate once and a failed migration is rolled back where the database
/// allows. The SQL (scripts, version table, lock) stays per provider, behind the abstract members.
/// </summary>
public abstract partial class RelationalStoreMigrator : IRelationalStoreMigrator
{
    private readonly IReadOnlyList<(int Version, string Name, string Sql)> _migrations;
    private readonly ILogger _logger;

    /// <summary>Initializes the migrator.</summary>
    /// <param name="storeName">The store's name in messages (<c>SQLite</c>, <c>SQL Server</c>, <c>PostgreSQL</c>).</param>
    /// <param name="packageName">The provider package's name, for the "upgrade the package" message.</param>
    /// <param name="migrations">The provider's migrations by version, numbered 1..N (<see cref="RelationalMigrations.Load"/>).</param>
    /// <param name="logger">Logs each migration applied.</param>
    protected RelationalStoreMigrator(string storeName, string packageName, IReadOnlyList<(int Version, string Name, string Sql)> migrations, ILogger logger)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(storeName);
        ArgumentException.ThrowIfNullOrWhiteSpace(packageName);
        ArgumentNullException.ThrowIfNull(migrations);
        ArgumentNullException.ThrowIfNull(logger);
        StoreName = storeName;
        PackageName = packageName;
        _migrations = migrations;
        _logger = logger;
    }

    /// <inheritdoc />
    public string StoreName { get; }

    /// <inheritdoc />
    public int LatestVersion => _migrations.Count == 0 ? 0 : _migrations[^1].Version;

    /// <summary>Gets the provider package's name.</summary>
    protected string PackageName { get; }

    /// <summary>Gets where the schema lives, for messages: a file path, or server, database and schema (never credentials).</summary>
    protected abstract string DisplayName { get; }

    /// <summary>Gets what to do when the schema is behind and auto-migration is off, for example "Set XxxStoreOptions.AutoMigrate = true, or …, then restart.".</summary>
    protected abstract string BehindFix { get; }

    /// <inheritdoc />
    public async Task<IReadOnlyList<int>> MigrateAsync(CancellationToken cancellationToken)
    {
        var applied = new List<int>();
        var connection = await OpenForMigrationAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            var transaction = await BeginMigrationAsync(connection, cancellationToken).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var current = await ReadVersionAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                ThrowIfNewer(current);
                foreach (var migration in _migrations.Where(m => m.Version > current))
                {
                    await ApplyAsync(connection, transaction, migration.Version, migration.Name, migration.Sql, cancellationToken).ConfigureAwait(false);
                    applied.Add(migration.Version);
                    LogApplied(_logger, migration.Name, StoreName, DisplayName);
                }

                await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }

        return applied;
    }

    /// <inheritdoc />
    public abstract Task<int> GetVersionAsync(CancellationToken cancellationToken);

    /// <inheritdoc />
    public async Task EnsureCurrentAsync(CancellationToken cancellationToken)
    {
        var current = await GetVersionAsync(cancellationToken).ConfigureAwait(false);
        ThrowIfNewer(current);
        if (current < LatestVersion)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.StoreUnavailable,
                string.Create(CultureInfo.InvariantCulture, $"The InvoiceOcr {StoreName} schema '{DisplayName}' is at version {current} but this package needs version {LatestVersion}. {BehindFix}"));
        }
    }

    /// <summary>Opens the connection the migration runs on (a file store may create the file here).</summary>
    /// <param name="cancellationToken">Cancels the open.</param>
    /// <returns>The open connection, disposed by the caller.</returns>
    protected abstract Task<DbConnection> OpenForMigrationAsync(CancellationToken cancellationToken);

    /// <summary>Begins the migration transaction, takes the provider's migration lock in it and creates the version table when missing.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The transaction, committed by the caller once every pending migration is applied.</returns>
    protected abstract Task<DbTransaction> BeginMigrationAsync(DbConnection connection, CancellationToken cancellationToken);

    /// <summary>Reads the schema version recorded in the version table (0 when none).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="transaction">The migration transaction, or <see langword="null"/> outside one.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The version.</returns>
    protected abstract Task<int> ReadVersionAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken);

    /// <summary>Runs one migration's script and records its version, in the migration transaction.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="transaction">The migration transaction.</param>
    /// <param name="version">The migration's version.</param>
    /// <param name="name">The migration's name, such as <c>0001_Initial</c>.</param>
    /// <param name="sql">The migration's script as embedded (with the provider's schema token, if any).</param>
    /// <param name="cancellationToken">Cancels the migration.</param>
    /// <returns>A task that completes when the migration is applied and recorded.</returns>
    protected abstract Task ApplyAsync(DbConnection connection, DbTransaction transaction, int version, string name, string sql, CancellationToken cancellationToken);

    private void ThrowIfNewer(int current)
    {
        if (current > LatestVersion)
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.StoreUnavailable,
                string.Create(CultureInfo.InvariantCulture, $"The InvoiceOcr {StoreName} schema '{DisplayName}' is at version {current}, newer than this package's version {LatestVersion}. Upgrade the {PackageName} package; it will not run against a newer schema."));
        }
    }

    [LoggerMessage(3201, LogLevel.Information, "Applied migration {Migration} to the {Store} store {Database}.")]
    private static partial void LogApplied(ILogger logger, string migration, string store, string database);
}
