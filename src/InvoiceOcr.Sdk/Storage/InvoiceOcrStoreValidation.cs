namespace InvoiceOcr.Sdk.Storage;

/// <summary>
/// The argument rules every store implementation applies before touching its backend, so the in-memory, SQLite and
/// SQL Server stores reject exactly the same input with the same exceptions.
/// </summary>
public static class InvoiceOcrStoreValidation
{
    /// <summary>Throws when a key cannot be stored.</summary>
    /// <param name="key">The key.</param>
    public static void Validate(ApiKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        key.Validate();
    }

    /// <summary>Throws when limits cannot be stored.</summary>
    /// <param name="limits">The limits.</param>
    public static void Validate(ApiKeyLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        ArgumentNullException.ThrowIfNull(limits.Rates, nameof(limits));
        ArgumentOutOfRangeException.ThrowIfLessThan(limits.Weight, 1, nameof(limits));
        if (limits.LifetimeTokenLimit < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limits), "The lifetime token limit must not be negative.");
        }

        limits.Rates.Validate(nameof(limits));
    }

    /// <summary>Throws when quota limits are negative.</summary>
    /// <param name="limits">The limits.</param>
    public static void Validate(QuotaLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate(nameof(limits));
    }

    /// <summary>Throws when a reservation request is malformed.</summary>
    /// <param name="request">The request.</param>
    public static void Validate(QuotaReservationRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        request.Validate();
    }

    /// <summary>Throws when a usage record cannot be stored.</summary>
    /// <param name="record">The record.</param>
    public static void Validate(UsageRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.Validate();
    }

    /// <summary>Throws when a retry attempt record cannot be stored.</summary>
    /// <param name="record">The record.</param>
    public static void Validate(RetryAttemptRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        record.Validate();
    }
}
