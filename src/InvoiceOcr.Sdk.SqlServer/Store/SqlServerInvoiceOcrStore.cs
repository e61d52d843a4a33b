using System.Data;
using System.Globalization;
using InvoiceOcr.Sdk.SqlServer.Internal;
using InvoiceOcr.Sdk.SqlServer.Schema;
using Microsoft.Data.SqlClient;
using Microsoft.Extensions.Logging.Abstractions;
using Q = InvoiceOcr.Sdk.SqlServer.Store.SqlServerQueries;

namespace InvoiceOcr.Sdk;

/// <summary>
/// The SQL Server implementation of every store abstraction. Each operation is one transaction of conditional
/// statements (<c>UPDLOCK, HOLDLOCK</c> where a row may not exist yet) taken in one lock order; "now" is the database
/// clock (<c>SYSUTCDATETIME()</c>) so instances with skewed clocks agree, unless a <see cref="TimeProvider"/> is given.
/// Secrets are sealed with AES-256-GCM.
/// </summary>
public sealed partial class SqlServerInvoiceOcrStore : IApiKeyStore, IQuotaStore, IUsageLedger, IRetryAttemptStore, IUsageLedgerBatchWriter, IApplicationLogSink
{
    private readonly SqlServerDatabase _database;
    private readonly SecretProtector _protector;
    private readonly TimeProvider? _clock;
    private readonly SqlServerMigrator _migrator;

    /// <summary>Creates a store. Call <see cref="InitializeAsync"/> (or let the host's start-up do it) before use.</summary>
    /// <param name="options">The options; the connection string and the master keys are required.</param>
    /// <param name="clock">The clock to use instead of the database's; <see langword="null"/> (the default) uses <c>SYSUTCDATETIME()</c>.</param>
    public SqlServerInvoiceOcrStore(SqlServerStoreOptions options, TimeProvider? clock = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _database = new SqlServerDatabase(options);
        _protector = new SecretProtector(options.SecretProtection);
        _clock = clock;
        _migrator = new SqlServerMigrator(_database, options, NullLogger<SqlServerMigrator>.Instance);
    }

    internal SqlServerInvoiceOcrStore(SqlServerDatabase database, SecretProtector protector, SqlServerMigrator migrator)
    {
        _database = database;
        _protector = protector;
        _migrator = migrator;
    }

    /// <summary>Creates the schema when missing and applies pending migrations under the migration lock.</summary>
    /// <param name="cancellationToken">Cancels the migration.</param>
    /// <returns>A task that completes when the schema is current.</returns>
    public Task InitializeAsync(CancellationToken cancellationToken = default) => _migrator.MigrateAsync(cancellationToken);

    /// <summary>Re-seals every secret sealed with a master key other than the current one.</summary>
    /// <param name="cancellationToken">Cancels the rotation between batches.</param>
    /// <returns>How many secrets were re-sealed.</returns>
    public async Task<int> RotateSecretsAsync(CancellationToken cancellationToken = default)
    {
        var rotated = 0;
        while (true)
        {
            var done = await WriteAsync(
                async (connection, transaction) =>
                {
                    var stale = new List<(string Id, string KeyId, byte[] Sealed)>();
                    using (var select = Command(connection, transaction, Q.SelectStaleSecrets, ("@current", _protector.CurrentKeyId)))
                    using (var reader = await select.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
                    {
                        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                        {
                            stale.Add((reader.GetString(0), reader.GetString(1), (byte[])reader[2]));
                        }
                    }

                    foreach (var (id, keyId, sealedBytes) in stale)
                    {
                        var resealed = _protector.Protect(_protector.Unprotect(keyId, sealedBytes, id), id);
                        using var update = Command(connection, transaction, Q.UpdateSecret, ("@id", id), ("@cipher", resealed.SealedBytes), ("@keyId", resealed.MasterKeyId));
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

    private async Task<DateTimeOffset> NowAsync(SqlConnection connection, SqlTransaction? transaction, CancellationToken cancellationToken)
    {
        if (_clock is not null)
        {
            return _clock.GetUtcNow();
        }

        using var command = Command(connection, transaction, Q.Now);
        return Utc((DateTime)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!);
    }

    private SqlCommand Command(SqlConnection connection, SqlTransaction? transaction, string template, params ReadOnlySpan<(string Name, object? Value)> parameters)
    {
        var command = new SqlCommand(_database.Sql(template), connection, transaction) { CommandTimeout = _database.CommandTimeoutSeconds };
        foreach (var (name, value) in parameters)
        {
            Add(command, name, value);
        }

        return command;
    }

    private static void Add(SqlCommand command, string name, object? value) => SqlServerDialect.Add(command, name, value);

    private async Task<T> WriteAsync<T>(Func<SqlConnection, SqlTransaction, Task<T>> body, CancellationToken cancellationToken)
    {
        return await WriteOrRollbackAsync(async (c, t) => (await body(c, t).ConfigureAwait(false), true), cancellationToken).ConfigureAwait(false);
    }

    private async Task<T> WriteOrRollbackAsync<T>(Func<SqlConnection, SqlTransaction, Task<(T Result, bool Commit)>> body, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                var transaction = (SqlTransaction)await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, cancellationToken).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    var (result, commit) = await body(connection, transaction).ConfigureAwait(false);
                    if (commit)
                    {
                        await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
                    }
                    else
                    {
                        await transaction.RollbackAsync(cancellationToken).ConfigureAwait(false);
                    }

                    return result;
                }
            }
        }
        catch (Exception ex) when (ex is not InvoiceOcrException && SqlServerDatabase.IsUnavailable(ex))
        {
            throw _database.Unavailable(ex);
        }
    }

    private async Task<T> ReadAsync<T>(Func<SqlConnection, Task<T>> body, CancellationToken cancellationToken)
    {
        try
        {
            var connection = await _database.OpenAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                return await body(connection).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not InvoiceOcrException && SqlServerDatabase.IsUnavailable(ex))
        {
            throw _database.Unavailable(ex);
        }
    }

    private static T AsIs<T>(T value) => value;

    private static DateTimeOffset Utc(DateTime value) => SqlServerDialect.Utc(value);

    private static DateTimeOffset? ReadTime(SqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : Utc(reader.GetDateTime(ordinal));

    private static long? NullableInt64(SqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt64(ordinal);

    private static int? NullableInt32(SqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetInt32(ordinal);

    private static string? NullableString(SqlDataReader reader, int ordinal) => reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
