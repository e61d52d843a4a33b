using System.Data.Common;

namespace InvoiceOcr.Sdk.Persistence.Ado;

/// <summary>Reads API key rows and rate limits the same way in every ADO.NET store.</summary>
internal static class AdoKeyMapping
{
    /// <summary>Reads four rate-limit columns (requests per minute and day, tokens per minute and day).</summary>
    /// <param name="reader">The reader, on a row.</param>
    /// <param name="first">The first of the four columns.</param>
    /// <returns>The limits; <see cref="QuotaLimits.None"/> (the shared instance) when none is set.</returns>
    public static QuotaLimits ReadLimits(DbDataReader reader, int first)
    {
        var limits = new QuotaLimits
        {
            RequestsPerMinute = AdoReader.NullableInt32(reader, first),
            RequestsPerDay = AdoReader.NullableInt32(reader, first + 1),
            TokensPerMinute = AdoReader.NullableInt64(reader, first + 2),
            TokensPerDay = AdoReader.NullableInt64(reader, first + 3),
        };
        return limits == QuotaLimits.None ? QuotaLimits.None : limits;
    }

    /// <summary>Reads a key row selected with the store's key column list, unsealing its secret.</summary>
    /// <param name="d">The provider's dialect.</param>
    /// <param name="reader">The reader, on a row.</param>
    /// <param name="protector">Unseals the secret (bound to the key id).</param>
    /// <returns>The key.</returns>
    public static ApiKey ReadKey(AdoDialect d, DbDataReader reader, SecretProtector protector)
    {
        var id = reader.GetString(0);
        var models = reader.GetString(5);
        return new ApiKey
        {
            Id = id,
            CompanyId = reader.GetString(1),
            CompanyName = AdoReader.NullableString(reader, 2),
            ProjectId = reader.GetString(3),
            Provider = reader.GetString(4),
            AllowedModels = models.Length == 0 ? [] : models.Split('\n'),
            Secret = protector.Unprotect(reader.GetString(7), (byte[])reader[6], id),
            Status = (ApiKeyStatus)d.ReadSmallInteger(reader, 8),
            StatusReason = AdoReader.NullableString(reader, 9),
            LifetimeTokenLimit = AdoReader.NullableInt64(reader, 10),
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
}
