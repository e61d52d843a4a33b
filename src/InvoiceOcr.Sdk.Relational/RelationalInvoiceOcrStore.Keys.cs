using System.Data.Common;
using System.Globalization;
using InvoiceOcr.Sdk.Storage;

namespace InvoiceOcr.Sdk.Relational;

/// <content>The key pool: <see cref="IApiKeyStore"/>.</content>
public abstract partial class RelationalInvoiceOcrStore
{
    /// <inheritdoc />
    public Task<bool> AddAsync(ApiKey key, CancellationToken cancellationToken)
    {
        InvoiceOcrStoreValidation.Validate(key);
        var sealedSecret = Protector.Protect(key.Secret, key.Id);
        return WriteAsync(
            RelationalWork.Configuration,
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                using var command = Command(
                    connection,
                    transaction,
                    Statements.InsertKey,
                    ("id", key.Id),
                    ("companyId", key.CompanyId),
                    ("companyName", key.CompanyName),
                    ("projectId", key.ProjectId),
                    ("provider", key.Provider),
                    ("models", string.Join('\n', key.AllowedModels)),
                    ("cipher", sealedSecret.SealedBytes),
                    ("keyId", sealedSecret.MasterKeyId),
                    ("masked", ApiKeySecrets.Mask(key.Secret)),
                    ("status", Dialect.SmallInteger((int)key.Status)),
                    ("reason", key.StatusReason),
                    ("lifetime", key.LifetimeTokenLimit),
                    ("used", key.TokensUsed),
                    ("expires", Time(key.ExpiresAt)),
                    ("rpm", key.Rates.RequestsPerMinute),
                    ("rpd", key.Rates.RequestsPerDay),
                    ("tpm", key.Rates.TokensPerMinute),
                    ("tpd", key.Rates.TokensPerDay),
                    ("weight", key.Weight),
                    ("now", Dialect.Time(now)));
                try
                {
                    return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
                }
                catch (DbException ex) when (Dialect.Classify(ex) == RelationalErrorKind.UniqueViolation)
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
                using var command = Command(connection, null, Statements.SelectKey, ("id", keyId));
                var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                await using (reader.ConfigureAwait(false))
                {
                    return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadKey(reader) : null;
                }
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ApiKey>> ListByCompanyAsync(string companyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(companyId);
        return ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null, Statements.SelectKeysByCompany, ("companyId", companyId));
                return await ReadAllAsync(command, ReadKey, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> TryChangeStatusAsync(string keyId, ApiKeyStatus? expected, ApiKeyStatus status, string? reason, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        return WriteAsync(
            RelationalWork.Configuration,
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
            RelationalWork.Configuration,
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                using var command = Command(
                    connection,
                    transaction,
                    Statements.UpdateLimits,
                    ("id", keyId),
                    ("lifetime", limits.LifetimeTokenLimit),
                    ("expires", Time(limits.ExpiresAt)),
                    ("rpm", limits.Rates.RequestsPerMinute),
                    ("rpd", limits.Rates.RequestsPerDay),
                    ("tpm", limits.Rates.TokensPerMinute),
                    ("tpd", limits.Rates.TokensPerDay),
                    ("weight", limits.Weight),
                    ("now", Dialect.Time(now)));
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<ApiKeyStatusTransition>> ListStatusTransitionsAsync(string keyId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        return ReadAsync(
            async connection =>
            {
                using var command = Command(connection, null, Statements.SelectTransitions, ("id", keyId));
                return await ReadAllAsync(
                    command,
                    reader => new ApiKeyStatusTransition(
                        reader.GetString(0),
                        (ApiKeyStatus)Dialect.ReadSmallInteger(reader, 1),
                        (ApiKeyStatus)Dialect.ReadSmallInteger(reader, 2),
                        RelationalReader.NullableString(reader, 3),
                        Dialect.ReadTime(reader, 4)),
                    cancellationToken).ConfigureAwait(false);
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
            RelationalWork.Configuration,
            async (connection, transaction) =>
            {
                using var command = Command(connection, transaction, Statements.MarkThreshold, ("id", keyId), ("percent", percent));
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
            RelationalWork.Configuration,
            async (connection, transaction) =>
            {
                var now = await NowAsync(connection, transaction, cancellationToken).ConfigureAwait(false);
                using var command = Command(
                    connection,
                    transaction,
                    Statements.UpsertProjectLimits,
                    ("projectId", projectId),
                    ("rpm", limits.RequestsPerMinute),
                    ("rpd", limits.RequestsPerDay),
                    ("tpm", limits.TokensPerMinute),
                    ("tpd", limits.TokensPerDay),
                    ("now", Dialect.Time(now)));
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

    private async Task<ProjectQuota?> ReadProjectAsync(DbConnection connection, DbTransaction? transaction, string projectId, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, Statements.SelectProject, ("projectId", projectId));
        var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        await using (reader.ConfigureAwait(false))
        {
            return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? ReadProject(reader, 0) : null;
        }
    }

    private ProjectQuota ReadProject(DbDataReader reader, int first) => new()
    {
        ProjectId = reader.GetString(first),
        Limits = RelationalKeyMapping.ReadLimits(reader, first + 1),
        BlockedUntil = Dialect.ReadNullableTime(reader, first + 5),
    };

    /// <summary>Moves a key's status from its current one (which must be <paramref name="expected"/> when given, and differ from <paramref name="to"/>) and records the transition.</summary>
    private async Task<bool> ChangeStatusAsync(
        DbConnection connection,
        DbTransaction transaction,
        string keyId,
        ApiKeyStatus? expected,
        ApiKeyStatus to,
        string? reason,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        ApiKeyStatus from;
        using (var select = Command(connection, transaction, Statements.SelectStatus, ("id", keyId)))
        {
            if (await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not { } current || current is DBNull)
            {
                return false;
            }

            from = (ApiKeyStatus)Convert.ToInt32(current, CultureInfo.InvariantCulture);
        }

        if ((expected is { } e && from != e) || from == to)
        {
            return false;
        }

        var at = Dialect.Time(now);
        using (var update = Command(connection, transaction, Statements.ChangeStatus, ("id", keyId), ("status", Dialect.SmallInteger((int)to)), ("reason", reason), ("now", at), ("from", Dialect.SmallInteger((int)from))))
        {
            if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
            {
                return false;
            }
        }

        using var history = Command(connection, transaction, Statements.InsertTransition, ("id", keyId), ("from", Dialect.SmallInteger((int)from)), ("to", Dialect.SmallInteger((int)to)), ("reason", reason), ("now", at));
        await history.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private ApiKey ReadKey(DbDataReader reader) => RelationalKeyMapping.ReadKey(Dialect, reader, Protector);
}
