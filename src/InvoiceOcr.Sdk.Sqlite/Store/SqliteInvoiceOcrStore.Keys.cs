using InvoiceOcr.Sdk.Persistence.Ado;
using InvoiceOcr.Sdk.Sqlite.Internal;
using Microsoft.Data.Sqlite;

namespace InvoiceOcr.Sdk;

/// <content>The key pool: <see cref="IApiKeyStore"/>.</content>
public sealed partial class SqliteInvoiceOcrStore
{
    internal const string KeyColumns =
        "TokenId, CompanyId, CompanyName, ProjectId, Provider, AllowedModels, SecretCiphertext, SecretKeyId, Status, StatusReason, " +
        "LifetimeTokenLimit, TokensUsed, TokensReserved, ExpiresAtUtc, RequestsPerMinute, RequestsPerDay, TokensPerMinute, TokensPerDay, " +
        "Weight, CooldownUntilUtc, UsageThresholdNotified, CreatedAtUtc, UpdatedAtUtc";

    internal const string InsertKeySql =
        "INSERT INTO TokenMaster (TokenId, CompanyId, CompanyName, ProjectId, Provider, AllowedModels, SecretCiphertext, SecretKeyId, SecretMasked, " +
        "Status, StatusReason, LifetimeTokenLimit, TokensUsed, TokensReserved, ExpiresAtUtc, RequestsPerMinute, RequestsPerDay, TokensPerMinute, TokensPerDay, " +
        "Weight, CooldownUntilUtc, UsageThresholdNotified, CreatedAtUtc, UpdatedAtUtc) " +
        "VALUES ($id, $companyId, $companyName, $projectId, $provider, $models, $cipher, $keyId, $masked, $status, $reason, $lifetime, $used, 0, $expires, " +
        "$rpm, $rpd, $tpm, $tpd, $weight, NULL, 0, $now, $now) ON CONFLICT (TokenId) DO NOTHING;";

    internal const string SelectKeySql = "SELECT " + KeyColumns + " FROM TokenMaster WHERE TokenId = $id;";

    internal const string SelectKeysByCompanySql = "SELECT " + KeyColumns + " FROM TokenMaster WHERE CompanyId = $companyId ORDER BY TokenId;";

    internal const string SelectStatusSql = "SELECT Status FROM TokenMaster WHERE TokenId = $id;";

    internal const string ChangeStatusSql =
        "UPDATE TokenMaster SET Status = $status, StatusReason = $reason, UpdatedAtUtc = $now WHERE TokenId = $id AND Status = $from;";

    internal const string InsertTransitionSql =
        "INSERT INTO TokenStatusHistory (TokenId, FromStatus, ToStatus, Reason, ChangedAtUtc) VALUES ($id, $from, $to, $reason, $now);";

    internal const string SelectTransitionsSql =
        "SELECT TokenId, FromStatus, ToStatus, Reason, ChangedAtUtc FROM TokenStatusHistory WHERE TokenId = $id ORDER BY Id;";

    internal const string UpdateLimitsSql =
        "UPDATE TokenMaster SET LifetimeTokenLimit = $lifetime, ExpiresAtUtc = $expires, RequestsPerMinute = $rpm, RequestsPerDay = $rpd, " +
        "TokensPerMinute = $tpm, TokensPerDay = $tpd, Weight = $weight, UpdatedAtUtc = $now WHERE TokenId = $id;";

    internal const string MarkThresholdSql =
        "UPDATE TokenMaster SET UsageThresholdNotified = $percent WHERE TokenId = $id AND UsageThresholdNotified < $percent;";

    internal const string UpsertProjectLimitsSql =
        "INSERT INTO QuotaProjects (ProjectId, RequestsPerMinute, RequestsPerDay, TokensPerMinute, TokensPerDay, BlockedUntilUtc, UpdatedAtUtc) " +
        "VALUES ($projectId, $rpm, $rpd, $tpm, $tpd, NULL, $now) ON CONFLICT (ProjectId) DO UPDATE SET RequestsPerMinute = excluded.RequestsPerMinute, " +
        "RequestsPerDay = excluded.RequestsPerDay, TokensPerMinute = excluded.TokensPerMinute, TokensPerDay = excluded.TokensPerDay, UpdatedAtUtc = excluded.UpdatedAtUtc;";

    internal const string SelectProjectSql =
        "SELECT ProjectId, RequestsPerMinute, RequestsPerDay, TokensPerMinute, TokensPerDay, BlockedUntilUtc FROM QuotaProjects WHERE ProjectId = $projectId;";

    internal const string SelectStaleSecretsSql =
        "SELECT TokenId, SecretKeyId, SecretCiphertext FROM TokenMaster WHERE SecretKeyId <> $current ORDER BY TokenId LIMIT 100;";

    internal const string UpdateSecretSql = "UPDATE TokenMaster SET SecretCiphertext = $cipher, SecretKeyId = $keyId WHERE TokenId = $id;";

    /// <inheritdoc />
    public Task<bool> AddAsync(ApiKey key, CancellationToken cancellationToken)
    {
        InvoiceOcrStoreValidation.Validate(key);
        var sealedSecret = _protector.Protect(key.Secret, key.Id);
        return WriteAsync(
            SqliteSynchronous.Full,
            async (connection, transaction) =>
            {
                using var command = Command(
                    connection,
                    transaction,
                    InsertKeySql,
                    ("$id", key.Id),
                    ("$companyId", key.CompanyId),
                    ("$companyName", key.CompanyName),
                    ("$projectId", key.ProjectId),
                    ("$provider", key.Provider),
                    ("$models", string.Join('\n', key.AllowedModels)),
                    ("$cipher", sealedSecret.SealedBytes),
                    ("$keyId", sealedSecret.MasterKeyId),
                    ("$masked", ApiKeySecrets.Mask(key.Secret)),
                    ("$status", (int)key.Status),
                    ("$reason", key.StatusReason),
                    ("$lifetime", key.LifetimeTokenLimit),
                    ("$used", key.TokensUsed),
                    ("$expires", SqliteDatabase.TimeOrNull(key.ExpiresAt)),
                    ("$rpm", key.Rates.RequestsPerMinute),
                    ("$rpd", key.Rates.RequestsPerDay),
                    ("$tpm", key.Rates.TokensPerMinute),
                    ("$tpd", key.Rates.TokensPerDay),
                    ("$weight", key.Weight),
                    ("$now", SqliteDatabase.Time(Now)));
                return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1;
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
                using var command = Command(connection, null, SelectKeySql, ("$id", keyId));
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
                using var command = Command(connection, null, SelectKeysByCompanySql, ("$companyId", companyId));
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
            SqliteSynchronous.Full,
            async (connection, transaction) =>
            {
                using var select = Command(connection, transaction, SelectStatusSql, ("$id", keyId));
                if (await select.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is not long current)
                {
                    return false;
                }

                var from = (ApiKeyStatus)current;
                if ((expected is { } e && from != e) || from == status)
                {
                    return false;
                }

                return await ChangeStatusAsync(connection, transaction, keyId, from, status, reason, Now, cancellationToken).ConfigureAwait(false);
            },
            cancellationToken);
    }

    /// <inheritdoc />
    public Task<bool> UpdateLimitsAsync(string keyId, ApiKeyLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(keyId);
        InvoiceOcrStoreValidation.Validate(limits);
        return WriteAsync(
            SqliteSynchronous.Full,
            async (connection, transaction) =>
            {
                using var command = Command(
                    connection,
                    transaction,
                    UpdateLimitsSql,
                    ("$id", keyId),
                    ("$lifetime", limits.LifetimeTokenLimit),
                    ("$expires", SqliteDatabase.TimeOrNull(limits.ExpiresAt)),
                    ("$rpm", limits.Rates.RequestsPerMinute),
                    ("$rpd", limits.Rates.RequestsPerDay),
                    ("$tpm", limits.Rates.TokensPerMinute),
                    ("$tpd", limits.Rates.TokensPerDay),
                    ("$weight", limits.Weight),
                    ("$now", SqliteDatabase.Time(Now)));
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
                using var command = Command(connection, null, SelectTransitionsSql, ("$id", keyId));
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                var list = new List<ApiKeyStatusTransition>();
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    list.Add(new ApiKeyStatusTransition(
                        reader.GetString(0),
                        (ApiKeyStatus)reader.GetInt32(1),
                        (ApiKeyStatus)reader.GetInt32(2),
                        NullableString(reader, 3),
                        SqliteDatabase.ParseTime(reader.GetString(4))));
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
            SqliteSynchronous.Full,
            async (connection, transaction) =>
            {
                using var command = Command(connection, transaction, MarkThresholdSql, ("$id", keyId), ("$percent", percent));
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
            SqliteSynchronous.Full,
            async (connection, transaction) =>
            {
                using var command = Command(
                    connection,
                    transaction,
                    UpsertProjectLimitsSql,
                    ("$projectId", projectId),
                    ("$rpm", limits.RequestsPerMinute),
                    ("$rpd", limits.RequestsPerDay),
                    ("$tpm", limits.TokensPerMinute),
                    ("$tpd", limits.TokensPerDay),
                    ("$now", SqliteDatabase.Time(Now)));
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

    private static async Task<ProjectQuota?> ReadProjectAsync(SqliteConnection connection, SqliteTransaction? transaction, string projectId, CancellationToken cancellationToken)
    {
        using var command = Command(connection, transaction, SelectProjectSql, ("$projectId", projectId));
        using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        if (!await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            return null;
        }

        return new ProjectQuota
        {
            ProjectId = reader.GetString(0),
            Limits = ReadLimits(reader, 1),
            BlockedUntil = SqliteDatabase.ReadTime(reader, 5),
        };
    }

    private static async Task<bool> ChangeStatusAsync(
        SqliteConnection connection,
        SqliteTransaction transaction,
        string keyId,
        ApiKeyStatus from,
        ApiKeyStatus to,
        string? reason,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var at = SqliteDatabase.Time(now);
        using var update = Command(connection, transaction, ChangeStatusSql, ("$id", keyId), ("$status", (int)to), ("$reason", reason), ("$now", at), ("$from", (int)from));
        if (await update.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) != 1)
        {
            return false;
        }

        using var history = Command(connection, transaction, InsertTransitionSql, ("$id", keyId), ("$from", (int)from), ("$to", (int)to), ("$reason", reason), ("$now", at));
        await history.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static QuotaLimits ReadLimits(SqliteDataReader reader, int first) => AdoKeyMapping.ReadLimits(reader, first);

    private ApiKey ReadKey(SqliteDataReader reader) => AdoKeyMapping.ReadKey(SqliteDialect.Instance, reader, _protector);
}
