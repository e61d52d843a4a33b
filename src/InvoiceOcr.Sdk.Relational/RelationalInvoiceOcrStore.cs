using System.Data.Common;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Runtime.CompilerServices;
using InvoiceOcr.Sdk.Storage;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// Every store abstraction over a relational database, written once: keys, exact quotas, the usage ledger and its
/// daily summary, the retry log and application logs. A provider supplies its <see cref="RelationalDialect"/>,
/// <see cref="RelationalStatements"/>, <see cref="RelationalConnectionFactory"/> and <see cref="IRelationalStoreMigrator"/>
/// and derives one sealed type. Each write is one transaction of conditional statements taken in the lock order
/// <see cref="RelationalStatements"/> documents; quota admission follows the shared rules of <see cref="QuotaAdmission"/>.
/// Secrets are sealed with AES-256-GCM.
/// </summary>
/// <remarks>Thread-safe; register one instance per database.</remarks>
public abstract partial class RelationalInvoiceOcrStore : IApiKeyStore, IQuotaStore, IUsageLedger, IRetryAttemptStore, IUsageLedgerBatchWriter, IApplicationLogSink
{
    private readonly TimeProvider? _clock;

    /// <summary>Initializes the store.</summary>
    /// <param name="dialect">The provider's dialect.</param>
    /// <param name="statements">The provider's statements.</param>
    /// <param name="connections">Opens the provider's connections.</param>
    /// <param name="migrator">The provider's schema migrator.</param>
    /// <param name="secretProtection">The master keys secrets are sealed with.</param>
    /// <param name="clock">The store's clock; <see langword="null"/> uses the database clock (<see cref="RelationalStatements.Now"/>), which must then be set.</param>
    protected RelationalInvoiceOcrStore(
        RelationalDialect dialect,
        RelationalStatements statements,
        RelationalConnectionFactory connections,
        IRelationalStoreMigrator migrator,
        SecretProtectionOptions secretProtection,
        TimeProvider? clock)
    {
        ArgumentNullException.ThrowIfNull(dialect);
        ArgumentNullException.ThrowIfNull(statements);
        ArgumentNullException.ThrowIfNull(connections);
        ArgumentNullException.ThrowIfNull(migrator);
        ArgumentNullException.ThrowIfNull(secretProtection);
        if (clock is null && statements.Now is null)
        {
            throw new ArgumentException("Without a clock the statements must read the database clock (Now).", nameof(clock));
        }

        Dialect = dialect;
        Statements = statements;
        Connections = connections;
        Migrator = migrator;
        Protector = new SecretProtector(secretProtection);
        _clock = clock;
    }

    /// <summary>Gets the provider's dialect.</summary>
    protected RelationalDialect Dialect { get; }

    /// <summary>Gets the provider's statements.</summary>
    protected RelationalStatements Statements { get; }

    /// <summary>Gets the provider's connection factory.</summary>
    protected RelationalConnectionFactory Connections { get; }

    /// <summary>Gets the provider's schema migrator.</summary>
    internal IRelationalStoreMigrator Migrator { get; }

    internal SecretProtector Protector { get; }

    private RelationalStoreMetrics? _metrics;

    /// <summary>
    /// Times every store operation on <c>db.client.operation.duration</c> (<see cref="RelationalStoreMetrics"/>). Called once
    /// by the DI registration as the store is created; a store built by hand reports no durations.
    /// </summary>
    /// <param name="meterFactory">Creates the SDK's meter.</param>
    internal void UseMetrics(IMeterFactory meterFactory) => _metrics = new RelationalStoreMetrics(meterFactory, Dialect.SystemName);

    /// <summary>Gets the store's instrument, shared with the batch-job store over the same database; <see langword="null"/> until <see cref="UseMetrics"/>.</summary>
    internal RelationalStoreMetrics? Metrics => _metrics;

    /// <summary>Creates the database or schema when missing, applies pending migrations and re-seals secrets still in the legacy format.</summary>
    /// <param name="cancellationToken">Cancels the migration.</param>
    /// <returns>A task that completes when the schema is current.</returns>
    public async Task InitializeAsync(CancellationToken cancellationToken = default)
    {
        await Migrator.MigrateAsync(cancellationToken).ConfigureAwait(false);
        await ResealLegacySecretsAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Re-seals every secret sealed with a master key other than the current one (after adding a new current key), in
    /// batches of 100. Old keys can be removed from the configuration once this returns.
    /// </summary>
    /// <param name="cancellationToken">Cancels the rotation between batches.</param>
    /// <returns>How many secrets were re-sealed.</returns>
    public async Task<int> RotateSecretsAsync(CancellationToken cancellationToken = default)
    {
        var rotated = 0;
        while (true)
        {
            var done = await WriteAsync(
                RelationalWork.Configuration,
                async (connection, transaction) =>
                {
                    var stale = new List<(SecretBinding Binding, string KeyId, byte[] Sealed)>();
                    using (var select = Command(connection, transaction, Statements.SelectStaleSecrets, ("current", Protector.CurrentKeyId)))
                    {
                        var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                            {
                                stale.Add((new SecretBinding(reader.GetString(0), reader.GetString(3), reader.GetString(4)), reader.GetString(1), (byte[])reader[2]));
                            }
                        }
                    }

                    foreach (var (binding, keyId, sealedBytes) in stale)
                    {
                        await ResealAsync(connection, transaction, binding, keyId, sealedBytes, cancellationToken).ConfigureAwait(false);
                    }

                    return stale.Count;
                },
                cancellationToken).ConfigureAwait(false);
            rotated += done;
            if (done == 0)
            {
                return rotated;
            }
        }
    }

    /// <summary>
    /// Re-seals every secret still in the legacy format (bound to its key id only) so it is bound to its key, company and
    /// project: a ciphertext moved to another company or project then no longer decrypts. Runs at start-up after the
    /// schema migrations, in batches of 100 keys; a secret that does not decrypt is left as it is (listing the company
    /// disables that one key).
    /// </summary>
    /// <param name="cancellationToken">Cancels between batches.</param>
    /// <returns>How many secrets were re-sealed.</returns>
    internal async Task<int> ResealLegacySecretsAsync(CancellationToken cancellationToken)
    {
        var resealed = 0;
        var after = string.Empty;
        while (true)
        {
            var (count, last) = await WriteAsync(
                RelationalWork.Configuration,
                async (connection, transaction) =>
                {
                    var page = new List<(SecretBinding Binding, string KeyId, byte[] Sealed)>();
                    using (var select = Command(connection, transaction, Statements.SelectSecretsAfter, ("after", after)))
                    {
                        var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                        await using (reader.ConfigureAwait(false))
                        {
                            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                            {
                                page.Add((new SecretBinding(reader.GetString(0), reader.GetString(3), reader.GetString(4)), reader.GetString(1), (byte[])reader[2]));
                            }
                        }
                    }

                    var done = 0;
                    foreach (var (binding, keyId, sealedBytes) in page.Where(static p => SecretProtector.IsLegacy(p.Sealed)))
                    {
                        done += await ResealAsync(connection, transaction, binding, keyId, sealedBytes, cancellationToken).ConfigureAwait(false) ? 1 : 0;
                    }

                    return (done, page.Count == 0 ? null : page[^1].Binding.KeyId);
                },
                cancellationToken).ConfigureAwait(false);
            resealed += count;
            if (last is null)
            {
                return resealed;
            }

            after = last;
        }
    }

    private async Task<bool> ResealAsync(DbConnection connection, DbTransaction transaction, SecretBinding binding, string masterKeyId, byte[] sealedBytes, CancellationToken cancellationToken)
    {
        string secret;
        try
        {
            secret = Protector.Unprotect(masterKeyId, sealedBytes, binding);
        }
        catch (InvoiceOcrException) when (Protector.HasKey(masterKeyId))
        {
            return false; // A bad row: left for ListByCompanyAsync to disable with its reason.
        }

        var resealed = Protector.Protect(secret, binding);
        using var update = Command(connection, transaction, Statements.UpdateSecret, ("id", binding.KeyId), ("cipher", resealed.SealedBytes), ("keyId", resealed.MasterKeyId));
        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Runs inside each write transaction just before it commits (a provider's tests inspect the connection there).</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="transaction">The transaction about to commit.</param>
    protected virtual void OnCommitting(DbConnection connection, DbTransaction transaction)
    {
    }

    /// <summary>
    /// Inserts usage records (a known id inserts nothing) in the caller's transaction and returns the new ones in order.
    /// The default binds one prepared command per row; a provider may override it with a faster bulk path.
    /// </summary>
    /// <param name="connection">The connection.</param>
    /// <param name="transaction">The write transaction.</param>
    /// <param name="records">The validated records, in id order.</param>
    /// <param name="now">The recording time.</param>
    /// <param name="cancellationToken">Cancels the inserts.</param>
    /// <returns>The records that were new.</returns>
    protected virtual Task<IReadOnlyList<UsageRecord>> InsertUsageRowsAsync(
        DbConnection connection,
        DbTransaction transaction,
        IReadOnlyList<UsageRecord> records,
        DateTimeOffset now,
        CancellationToken cancellationToken) =>
        RelationalUsageLedger.InsertAsync(Dialect, sql => Connections.CreateCommand(connection, transaction, sql), records, Dialect.Time(now), Statements.InsertUsage, cancellationToken);

    /// <summary>Reads the store's current time: its clock, or the database's.</summary>
    /// <param name="connection">The open connection.</param>
    /// <param name="transaction">The current transaction, if any.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The current UTC time.</returns>
    protected async ValueTask<DateTimeOffset> NowAsync(DbConnection connection, DbTransaction? transaction, CancellationToken cancellationToken)
    {
        if (_clock is not null)
        {
            return _clock.GetUtcNow();
        }

        using var command = Connections.CreateCommand(connection, transaction, Statements.Now!);
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            return Dialect.ReadTime(reader, 0);
        }
    }

    /// <summary>Creates a command and binds parameters named without the dialect's prefix.</summary>
    /// <param name="connection">The connection.</param>
    /// <param name="transaction">The current transaction, if any.</param>
    /// <param name="sql">The statement.</param>
    /// <param name="parameters">Names (without prefix) and values already converted by the dialect where they need it.</param>
    /// <returns>The command.</returns>
    private DbCommand Command(DbConnection connection, DbTransaction? transaction, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = Connections.CreateCommand(connection, transaction, sql);
        foreach (var (name, value) in parameters)
        {
            Dialect.Add(command, name, value);
        }

        return command;
    }

    private object? Time(DateTimeOffset? value) => value is { } v ? Dialect.Time(v) : null;

    private Task<T> WriteAsync<T>(RelationalWork work, Func<DbConnection, DbTransaction, Task<T>> body, CancellationToken cancellationToken, [CallerMemberName] string operation = "") =>
        WriteOrRollbackAsync(work, async (c, t) => (await body(c, t).ConfigureAwait(false), true), cancellationToken, operation);

    private async Task<T> WriteOrRollbackAsync<T>(RelationalWork work, Func<DbConnection, DbTransaction, Task<(T Result, bool Commit)>> body, CancellationToken cancellationToken, [CallerMemberName] string operation = "")
    {
        var started = _metrics?.Start() ?? 0;
        try
        {
            var connection = await Connections.OpenAsync(work, cancellationToken).ConfigureAwait(false);
            var done = false;
            try
            {
                T result;
                var transaction = await Connections.BeginTransactionAsync(connection, work, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    (result, var commit) = await body(connection, transaction).ConfigureAwait(false);
                    if (commit)
                    {
                        OnCommitting(connection, transaction);
                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    }
                }

                done = true;
                _metrics?.Record(started, operation, null);
                return result;
            }
            finally
            {
                // Given back only after a clean end: a connection an operation failed on is closed, never reused.
                await EndConnectionAsync(connection, done).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (RelationalStoreMetrics.RecordFailure(_metrics, started, operation, ex) && IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    private async ValueTask EndConnectionAsync(DbConnection connection, bool reusable)
    {
        if (reusable)
        {
            await Connections.ReleaseAsync(connection).ConfigureAwait(false);
        }
        else
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<T> ReadAsync<T>(Func<DbConnection, Task<T>> body, CancellationToken cancellationToken, [CallerMemberName] string operation = "")
    {
        var started = _metrics?.Start() ?? 0;
        try
        {
            var connection = await Connections.OpenAsync(RelationalWork.Read, cancellationToken).ConfigureAwait(false);
            var done = false;
            try
            {
                var result = await body(connection).ConfigureAwait(false);
                done = true;
                _metrics?.Record(started, operation, null);
                return result;
            }
            finally
            {
                await EndConnectionAsync(connection, done).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (RelationalStoreMetrics.RecordFailure(_metrics, started, operation, ex) && IsUnavailable(ex))
        {
            throw Unavailable(ex);
        }
    }

    private bool IsUnavailable(Exception exception) =>
        exception is not InvoiceOcrException && Dialect.Classify(exception) is RelationalErrorKind.Unavailable or RelationalErrorKind.Deadlock;

    private InvoiceOcrException Unavailable(Exception exception) =>
        new(InvoiceOcrErrorKind.StoreUnavailable, string.Create(CultureInfo.InvariantCulture, $"The {Migrator.StoreName} store '{Connections.DisplayName}' is unavailable: {SecretScrubber.Scrub(exception.Message)}"), exception);

    private static Task<IReadOnlyList<T>> ReadAllAsync<T>(DbCommand command, Func<DbDataReader, T> read, CancellationToken cancellationToken) =>
        RelationalUsageLedger.ReadAllAsync(command, read, cancellationToken);

    private static async Task<DateTimeOffset?> ReadFirstTimeAsync(DbCommand command, RelationalDialect dialect, CancellationToken cancellationToken)
    {
        // Some providers answer from a later result set (an update that found no row, then an insert).
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            do
            {
                if (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    return dialect.ReadNullableTime(reader, 0);
                }
            }
            while (await reader.NextResultAsync(cancellationToken).ConfigureAwait(false));
        }

        return null;
    }
}
