using System.Security.Cryptography;
using System.Text;
using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.ConsoleApp.Hosting;

/// <summary>Adds a key given on the command line to a company's pool, as an administrator would with <c>keys add</c>.</summary>
internal static class KeySeeding
{
    /// <summary>A stable, non-reversible id for a secret: <c>prefix-</c> and 8 hex digits of its SHA-256.</summary>
    public static string Fingerprint(string prefix, string secret) =>
        prefix + "-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)))[..8];

    /// <summary>
    /// Refuses a simulated run for a company that has other keys: the key pool would send them to the emulator, which
    /// rejects them as invalid, and the SDK would then disable them in this database.
    /// </summary>
    public static async Task EnsureOnlyKeyAsync(IApiKeyStore keys, string companyId, string keyId, CancellationToken cancellationToken)
    {
        var others = (await keys.ListByCompanyAsync(companyId, cancellationToken).ConfigureAwait(false))
            .Where(k => !string.Equals(k.Id, keyId, StringComparison.Ordinal) && k.Status == ApiKeyStatus.Active)
            .Select(k => k.Id)
            .ToList();
        if (others.Count > 0)
        {
            throw new Cli.CliException(
                $"Company '{companyId}' has other active keys in this database ({string.Join(", ", others)}). A simulated run would send them to the " +
                "emulator, which rejects them, and the SDK would disable them. Use another --company or --db for simulated runs.");
        }
    }

    /// <summary>Makes sure the company has this key, active. Returns the stored key and whether it was added now.</summary>
    public static async Task<(ApiKey Key, bool Added)> EnsureAsync(IApiKeyStore keys, ApiKey key, CancellationToken cancellationToken)
    {
        if (await keys.AddAsync(key, cancellationToken).ConfigureAwait(false))
        {
            return (key, true);
        }

        var existing = await keys.GetAsync(key.Id, cancellationToken).ConfigureAwait(false)
            ?? throw new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, $"Key '{key.Id}' could not be added and is not in the store.");
        if (!string.Equals(existing.CompanyId, key.CompanyId, StringComparison.Ordinal))
        {
            throw new Cli.CliException($"Key id '{key.Id}' already belongs to company '{existing.CompanyId}'; choose another --key-id.");
        }

        return (existing, false);
    }
}
