using System.Security.Cryptography;
using System.Text;
using InvoiceOcr.Sdk;

namespace InvoiceOcr.Samples.ConsoleApp.Hosting;

/// <summary>Adds a key given on the command line to a company's pool, as an administrator would with <c>keys add</c>.</summary>
internal static class KeySeeding
{
    /// <summary>
    /// A new random id: <c>prefix-</c> and 8 random hex digits. Ids are shown, logged and stored in clear, so they must
    /// say nothing about the secret (a hash of it would be a fingerprint that confirms a guessed or leaked key).
    /// </summary>
    public static string NewId(string prefix) => prefix + "-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4));

    /// <summary>Returns the company's key with this secret, if it has one (so a key given again is reused, not added twice).</summary>
    public static async Task<ApiKey?> FindBySecretAsync(IApiKeyStore keys, string companyId, string secret, CancellationToken cancellationToken)
    {
        var wanted = Encoding.UTF8.GetBytes(secret);
        foreach (var key in await keys.ListByCompanyAsync(companyId, cancellationToken).ConfigureAwait(false))
        {
            if (CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(key.Secret), wanted))
            {
                return key;
            }
        }

        return null;
    }

    /// <summary>
    /// Adds a key with a random id (<paramref name="idPrefix"/>-…) and returns it, or returns the company's key that
    /// already has this secret; the id is drawn again in the unlikely case it is taken.
    /// </summary>
    public static async Task<(ApiKey Key, bool Added)> EnsureBySecretAsync(IApiKeyStore keys, ApiKey key, string idPrefix, CancellationToken cancellationToken)
    {
        if (await FindBySecretAsync(keys, key.CompanyId, key.Secret, cancellationToken).ConfigureAwait(false) is { } existing)
        {
            return (existing, false);
        }

        return (await AddWithRandomIdAsync(keys, key, idPrefix, cancellationToken).ConfigureAwait(false), true);
    }

    /// <summary>Adds a key under a new random id, drawing again if the id is taken.</summary>
    public static async Task<ApiKey> AddWithRandomIdAsync(IApiKeyStore keys, ApiKey key, string idPrefix, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var candidate = key with { Id = NewId(idPrefix) };
            if (await keys.AddAsync(candidate, cancellationToken).ConfigureAwait(false))
            {
                return candidate;
            }
        }

        throw new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, "Could not find a free key id after 5 random draws.");
    }

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
            throw new Cli.CliException($"Key id '{key.Id}' already belongs to company '{existing.CompanyId}'; use another --company or --db.");
        }

        return (existing, false);
    }
}
