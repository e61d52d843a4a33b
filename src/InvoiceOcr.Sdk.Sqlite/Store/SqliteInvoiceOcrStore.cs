using System.Globalization;
using InvoiceOcr.Sdk.Sqlite.Internal;
using InvoiceOcr.Sdk.Sqlite.Schema;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace InvoiceOcr.Sdk;

/// <summary>
/// The SQLite implementation of every store abstraction. Each operation is one <c>BEGIN IMMEDIATE</c> transaction
/// (SQLite's single write lock, shared by every process on the file) made of conditional statements, so quota
/// reservations are exact across threads and processes. Secrets are sealed with AES-256-GCM.
/// </summary>
/// <remarks>Thread-safe; register one instance per database file. Times come from the injected <see cref="TimeProvider"/> (the process's clock, which every process on one machine shares).</remarks>
public sealed partial class SqliteInvoiceOcrStore : IApiKeyStore, IQuotaStore, IUsageLedger, IRetryAttemptStore, IUsageLedgerBatchWriter, IApplicationLogSink
{
    private readonly SqliteDatabase _database;
    private readonly SecretProtector _protector;
    private readonly TimeProvider _timeProvider;
    private readonly SqliteMigrator _migrator;

    /// <summary>Creates a store over a database file. Call <see cref="InitializeAsync"/> (or let the host's start-up do it) before use.</summary>
    /// <param name="options">The options; <see cref="SqliteStoreOptions.DatabasePath"/> and the master keys are required.</param>
    /// <param name="timeProvider">The store's clock; <see cref="TimeProvider.System"/> when <see langword="null"/>.</param>
    public SqliteInvoiceOcrStore(SqliteStoreOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = new SqliteDatabase(options);
        _protector = new SecretProtector(options.SecretProtection);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _migrator = new SqliteMigrator(_database, _timeProvider, NullLogger<SqliteMigrator>.Instance);
    }

    internal SqliteInvoiceOcrStore(SqliteDatabase database, SecretProtector protector, TimeProvider timeProvider, SqliteMigrator migrator)
    {
        _database = database;
        _protector = protector;
        _timeProvider = timeProvider;
        _migrator = migrator;
    }

    /// <summary>Gets the database file's full path.</summary>
    public string DatabasePath => _database.Path;

    /// <summary>Creates the database file when missing and applies pending migrations.</summary>
    /// <param name="cancellationToken">Cancels the migration.</param>
    /// <returns>A task that completes when the schema is current.</returns>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _migrator.MigrateAsync(cancellationToken);

    /// <summary>
    /// Re-seals every secret sealed with a master key other than the current one (after adding a new current key).
    /// Old keys can be removed from the configuration once this returns 0 remaining.
    /// </summary>
    /// <param name="cancellationToken">Cancels the rotation between keys.</param>
    /// <returns>How many secrets were re-sealed.</returns>
    public async Task<int> RotateSecretsAsync(CancellationToken cancellationToken = default)
    {
        var rotated = 0;
        while (true)
        {
            var done = await WriteAsync(
                SqliteSynchronous.Full,
                async (connection, transaction) =>
                {
                    using var select = Command(connection, transaction, SelectStaleSecretsSql, ("$current", _protector.CurrentKeyId));
                    var stale = new List<(string Id, string KeyId, byte[] Sealed)>();
                    using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            stale.Add((reader.GetString(0), reader.GetString(1), (byte[])reader[2]));
                        }
                    }

                    foreach (var (id, keyId, sealedBytes) in stale)
                    {
                        var secret = _protector.Unprotect(keyId, sealedBytes, id);
                        var resealed = _protector.Protect(secret, id);
                        using var update = Command(connection, transaction, UpdateSecretSql, ("$id", id), ("$cipher", resealed.SealedBytes), ("$keyId", resealed.MasterKeyId));
                        await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
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

    /// <summary>Gets or sets a callback run inside each write transaction just before it commits (tests inspect the connection's settings there).</summary>
    internal Action<SqliteConnection, SqliteTransaction>? Committing { get; set; }

    private DateTimeOffset Now => _timeProvider.GetUtcNow();

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        return command;
    }

    private async Task<T> WriteAsync<T>(SqliteSynchronous synchronous, Func<SqliteConnection, SqliteTransaction, Task<T>> body, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _database.OpenAsync(synchronous, cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = connection.BeginTransaction(deferred: false);
                await using (transaction.ConfigureAwait(false))
                {
                    var result = await body(connection, transaction).ConfigureAwait(false);
                    Committing?.Invoke(connection, transaction);
                    await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    return result;
                }
            }
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUnavailable(ex))
        {
            throw _database.Translate(ex);
        }
    }

    private async Task<T> ReadAsync<T>(Func<SqliteConnection, Task<T>> body, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                return await body(connection).ConfigureAwait(false);
            }
        }
        catch (SqliteException ex) when (SqliteDatabase.IsUnavailable(ex))
        {
            throw _database.Translate(ex);
        }
    }

    private static long? NullableInt64(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    private static int? NullableInt32(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);

    private static string? NullableString(SqliteDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
