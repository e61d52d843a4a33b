using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.WebApi.Extraction;

/// <summary>
/// Refuses a company that has no usable key before its upload is read or parsed, with the same kinds and the seed's
/// messages the SDK's key pool would use a moment later. It reads the company's keys through the SDK's public
/// <see cref="IApiKeyStore.ListByCompanyAsync"/>; the key pool still makes the real choice (and applies quotas) when the
/// call is made, so this is an early, cheap "no", never a promise.
/// </summary>
internal static class KeyAdmission
{
    // The seed's messages, as the SDK's key pool words them.
    internal const string ExpiredMessage = "Your AI token has expired. Please renew your subscription.";
    internal const string DisabledMessage = "Your AI token is no longer available or has been disabled. Please contact support.";
    internal const string NoKeyMessage = "No active token found for your company. Please contact support.";

    public static async Task EnsureUsableKeyAsync(IApiKeyStore keys, string companyId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var list = await keys.ListByCompanyAsync(companyId, cancellationToken).ConfigureAwait(false);
        var own = list.Where(k => string.Equals(k.CompanyId, companyId, StringComparison.Ordinal)).ToList();
        if (own.Count == 0)
        {
            throw new InvoiceOcrException(InvoiceOcrErrorKind.NoKeyAvailable, NoKeyMessage);
        }

        if (own.Any(k => k.Status == ApiKeyStatus.Active && (k.ExpiresAt is not { } expires || expires > now)))
        {
            return;
        }

        var expired = own.All(k => k.Status == ApiKeyStatus.Expired || (k.Status == ApiKeyStatus.Active && k.ExpiresAt <= now));
        throw expired
            ? new InvoiceOcrException(InvoiceOcrErrorKind.KeyExpired, ExpiredMessage)
            : new InvoiceOcrException(InvoiceOcrErrorKind.KeyDisabled, DisabledMessage);
    }
}
