using InvoiceOcr.Sdk.Persistence.Ado;
using InvoiceOcr.Sdk.SqlServer.Internal;
using Microsoft.Data.SqlClient;
using Q = InvoiceOcr.Sdk.SqlServer.Store.SqlServerQueries;

namespace InvoiceOcr.Sdk;

/// <content>The key pool: <see cref="IApiKeyStore"/>.</content>
public sealed partial class SqlServerInvoiceOcrStore
{
    /// <inheritdoc />
    public Task<bool> AddAsync(ApiKey key, CancellationToken cancellationToken)
    {
        InvoiceOcrStoreValidation.Validate(key);
        var sealedSecret = _protector.Protect(key.Secret, key.Id);
        return WriteAsync(
            async (connection, transaction) =>
            {
                using var command = Command(
                    connection,
                    transaction,
                    Q.InsertKey,
                    ("@id", key.Id),
                    ("@companyId", key.CompanyId),
                    ("@companyName", key.CompanyName),
                    ("@projectId", key.ProjectId),
                    ("@provider", key.Provider),
                    ("@models", string.Join('\n', key.AllowedModels)),
                    ("@cipher", sealedSecret.SealedBytes),
                    ("@keyId", sealedSecret.MasterKeyId),
                    ("@masked", ApiKeySecrets.Mask(key.Secret)),
                    ("@status", (byte)key.Status),
                    ("@reason", key.StatusReason),
                    ("@lifetime", key.LifetimeTokenLimit),
                    ("@used", key.TokensUsed),
                    ("@expires", AsIs(key.ExpiresAt)),
                    ("@rpm", key.Rates.RequestsPerMinute),
                    ("@rpd", key.Rates.RequestsPerDay),
                    ("@tpm", key.Rates.TokensPerMinute),
                    ("@tpd", key.Rates.TokensPerDay),
                    ("@weight", key.Weight),
                    ("@now", await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false)));
                try
                {
                    return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
                }
                catch (SqlException ex) when (ex.Number is 2627 or 2601)
                {
                    return false; // A concurrent add of the same id won.
                }
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<ApiKey?> GetAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        return ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null, Q.SelectKey, ("@id", keyId));
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadKey(reader) : null;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ApiKey>> ListByCompanyAsync(string companyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(companyId);
        return ReadAsync<IReadOnlyList<ApiKey>>(
            async connection =>
            {
                using var command = Command(connection, null, Q.SelectKeysByCompany, ("@companyId", companyId));
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var keys = new List<ApiKey>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    keys.Add(ReadKey(reader));
                }

                return keys;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TryChangeStatusAsync(string keyId, ApiKeyStatus? expected, ApiKeyStatus status, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        return WriteAsync(
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                return await ChangeStatusAsync(connection, transaction, keyId, expected, status, reason, now, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> UpdateLimitsAsync(string keyId, ApiKeyLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        InvoiceOcrStoreValidation.Validate(limits);
        return WriteAsync(
            async (connection, transaction) =>
            {
                using var command = Command(
                    connection,
                    transaction,
                    Q.UpdateLimits,
                    ("@id", keyId),
                    ("@lifetime", limits.LifetimeTokenLimit),
                    ("@expires", AsIs(limits.ExpiresAt)),
                    ("@rpm", limits.Rates.RequestsPerMinute),
                    ("@rpd", limits.Rates.RequestsPerDay),
                    ("@tpm", limits.Rates.TokensPerMinute),
                    ("@tpd", limits.Rates.TokensPerDay),
                    ("@weight", limits.Weight),
                    ("@now", await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false)));
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ApiKeyStatusTransition>> ListStatusTransitionsAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        return ReadAsync<IReadOnlyList<ApiKeyStatusTransition>>(
            async connection =>
            {
                using var command = Command(connection, null, Q.SelectTransitions, ("@id", keyId));
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var list = new List<ApiKeyStatusTransition>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    list.Add(new ApiKeyStatusTransition(
                        reader.GetString(0),
                        (ApiKeyStatus)reader.GetByte(1),
                        (ApiKeyStatus)reader.GetByte(2),
                        NullableString(reader, 3),
                        Utc(reader.GetDateTime(4))));
                }

                return list;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TryMarkUsageThresholdAsync(string keyId, int percent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        ArgumentOutOfRangeException.ThrowIfLessThan(percent, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(percent, 100);
        return WriteAsync(
            async (connection, transaction) =>
            {
                using var command = Command(connection, transaction, Q.MarkThreshold, ("@id", keyId), ("@percent", percent));
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task SetProjectLimitsAsync(string projectId, QuotaLimits limits, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(projectId);
        InvoiceOcrStoreValidation.Validate(limits);
        return WriteAsync(
            async (connection, transaction) =>
            {
                using var command = Command(
                    connection,
                    transaction,
                    Q.UpsertProjectLimits,
                    ("@projectId", projectId),
                    ("@rpm", limits.RequestsPerMinute),
                    ("@rpd", limits.RequestsPerDay),
                    ("@tpm", limits.TokensPerMinute),
                    ("@tpd", limits.TokensPerDay),
                    ("@now", await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false)));
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<ProjectQuota?> GetProjectAsync(string projectId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(projectId);
        return ReadAsync(connection => ReadProjectAsync(connection, null, projectId, cancellationToken), cancellationToken);
    }

    private async Task<ProjectQuota?> ReadProjectAsync(SqlConnection connection, SqlTransaction? transaction, string projectId, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, Q.SelectProject, ("@projectId", projectId));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new ProjectQuota
        {
            ProjectId = reader.GetString(0),
            Limits = ReadLimits(reader, 1),
            BlockedUntil = ReadTime(reader, 5),
        };
    }

    private async Task<bool> ChangeStatusAsync(
        SqlConnection connection,
        SqlTransaction transaction,
        string keyId,
        ApiKeyStatus? expected,
        ApiKeyStatus to,
        string? reason,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        ApiKeyStatus from;
        using (var update = Command(connection, transaction, Q.ChangeStatus, ("@id", keyId), ("@status", (byte)to), ("@reason", reason), ("@now", now), ("@expected", expected is { } e ? (byte)e : null)))
        {
            if (await update.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not byte previous)
            {
                return false;
            }

            from = (ApiKeyStatus)previous;
        }

        using var history = Command(connection, transaction, Q.InsertTransition, ("@id", keyId), ("@from", (byte)from), ("@to", (byte)to), ("@reason", reason), ("@now", now));
        await history.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static QuotaLimits ReadLimits(SqlDataReader reader, int first) => AdoKeyMapping.ReadLimits(reader, first);

    private ApiKey ReadKey(SqlDataReader reader) => AdoKeyMapping.ReadKey(SqlServerDialect.Instance, reader, _protector);
}
