namespace InvoiceOcr.Sdk;

/// <summary>Classification rules over <see cref="InvoiceOcrErrorKind"/>, shared by the retry policy and the key pool.</summary>
internal static class InvoiceOcrErrorKinds
{
    /// <summary>Returns whether an error of this kind may succeed when the same request is tried again with the same key.</summary>
    /// <param name="kind">The error kind.</param>
    /// <returns><see langword="true"/> for server errors, timeouts, network failures and per-minute quota.</returns>
    public static bool IsTransient(InvoiceOcrErrorKind kind) => kind is
        InvoiceOcrErrorKind.ServerError or
        InvoiceOcrErrorKind.Timeout or
        InvoiceOcrErrorKind.NetworkFailure or
        InvoiceOcrErrorKind.RateLimitedPerMinute or
        InvoiceOcrErrorKind.QuotaExhausted;

    /// <summary>Returns whether the key (or its project) is the problem, so another key of the same company should be tried at once.</summary>
    /// <param name="kind">The error kind.</param>
    /// <returns><see langword="true"/> for invalid, revoked and per-day-exhausted keys, permission faults and open circuits.</returns>
    public static bool IsKeyFault(InvoiceOcrErrorKind kind) => kind is
        InvoiceOcrErrorKind.CircuitOpen or
        InvoiceOcrErrorKind.KeyInvalid or
        InvoiceOcrErrorKind.KeyRevoked or
        InvoiceOcrErrorKind.QuotaExhaustedPerDay or
        InvoiceOcrErrorKind.PermissionDenied;
}
