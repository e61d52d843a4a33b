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
