namespace InvoiceOcr.Sdk;

/// <summary>A recorded change of a key's status.</summary>
/// <param name="KeyId">The key.</param>
/// <param name="From">The status before.</param>
/// <param name="To">The status after.</param>
/// <param name="Reason">Why it changed (never contains the secret).</param>
/// <param name="ChangedAt">When it changed, by the store's clock.</param>
public sealed record ApiKeyStatusTransition(string KeyId, ApiKeyStatus From, ApiKeyStatus To, string? Reason, DateTimeOffset ChangedAt);
