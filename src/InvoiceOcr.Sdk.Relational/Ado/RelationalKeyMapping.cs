using System.Data.Common;
using InvoiceOcr.Sdk.Storage;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>Reads API key rows and rate limits the same way in every ADO.NET store.</summary>
internal static class RelationalKeyMapping
{
    /// <summary>Reads four rate-limit columns (requests per minute and day, tokens per minute and day).</summary>
    /// <param name="reader">The reader, on a row.</param>
    /// <param name="first">The first of the four columns.</param>
    /// <returns>The limits; <see cref="QuotaLimits.None"/> (the shared instance) when none is set.</returns>
    public static QuotaLimits ReadLimits(DbDataReader reader, int first)
    {
        var limits = new QuotaLimits
        {
            RequestsPerMinute = RelationalReader.NullableInt32(reader, first),
            RequestsPerDay = RelationalReader.NullableInt32(reader, first + 1),
            TokensPerMinute = RelationalReader.NullableInt64(reader, first + 2),
            TokensPerDay = RelationalReader.NullableInt64(reader, first + 3),
        };
        return limits == QuotaLimits.None ? QuotaLimits.None : limits;
    }

    /// <summary>Reads a key row selected with the store's key column list, unsealing its secret.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="reader">The reader, on a row.</param>
    /// <param name="protector">Unseals the secret (bound to the key id).</param>
    /// <returns>The key.</returns>
    public static ApiKey ReadKey(RelationalDialect d, DbDataReader reader, SecretProtector protector)
    {
        var id = reader.GetString(0);
        var models = reader.GetString(5);
        return new ApiKey
        {
            Id = id,
            CompanyId = reader.GetString(1),
            CompanyName = RelationalReader.NullableString(reader, 2),
            ProjectId = reader.GetString(3),
            Provider = reader.GetString(4),
            AllowedModels = models.Length == 0 ? [] : models.Split('\n'),
            Secret = protector.Unprotect(reader.GetString(7), (byte[])reader[6], id),
            Status = (ApiKeyStatus)d.ReadSmallInteger(reader, 8),
            StatusReason = RelationalReader.NullableString(reader, 9),
            LifetimeTokenLimit = RelationalReader.NullableInt64(reader, 10),
            TokensUsed = reader.GetInt64(11),
            TokensReserved = reader.GetInt64(12),
            ExpiresAt = d.ReadNullableTime(reader, 13),
            Rates = ReadLimits(reader, 14),
            Weight = reader.GetInt32(18),
            CooldownUntil = d.ReadNullableTime(reader, 19),
            UsageThresholdNotified = reader.GetInt32(20),
            CreatedAt = d.ReadTime(reader, 21),
            UpdatedAt = d.ReadTime(reader, 22),
        };
    }

    /// <summary>Reads the key row selected for a reservation: company, project, status, expiry, lifetime limit, used, reserved, cooldown, then the four rate limits.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="reader">The reader, on a row.</param>
    /// <returns>The key's admission state.</returns>
    public static QuotaKeyState ReadReserveState(RelationalDialect d, DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetString(1),
        (ApiKeyStatus)d.ReadSmallInteger(reader, 2),
        d.ReadNullableTime(reader, 3),
        RelationalReader.NullableInt64(reader, 4),
        reader.GetInt64(5),
        reader.GetInt64(6),
        d.ReadNullableTime(reader, 7),
        ReadLimits(reader, 8));
}
