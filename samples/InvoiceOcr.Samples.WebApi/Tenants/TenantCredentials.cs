using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;

namespace InvoiceOcr.Samples.WebApi.Tenants;

/// <summary>A tenant's API credential as stored and listed: never the secret, only its hash.</summary>
public sealed record TenantCredential
{
    /// <summary>Gets the credential's public id (part of the token, not secret).</summary>
    public required string Id { get; init; }

    /// <summary>Gets the company the credential acts for.</summary>
    public required string CompanyId { get; init; }

    /// <summary>Gets a label for people ("ERP connector", "demo").</summary>
    public string? Label { get; init; }

    /// <summary>Gets when the credential was issued.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>Gets when the credential was revoked; <see langword="null"/> while it is valid.</summary>
    public DateTimeOffset? RevokedAt { get; init; }
}

/// <summary>A credential just issued: the only time its token exists outside the caller's hands.</summary>
/// <param name="Credential">The stored credential.</param>
/// <param name="Token">The bearer token to hand to the tenant (<c>ioc_&lt;id&gt;_&lt;secret&gt;</c>).</param>
public sealed record IssuedTenantCredential(TenantCredential Credential, string Token);

/// <summary>
/// The token format: <c>ioc_</c>, a 16-hex-digit id, <c>_</c>, and 32 random bytes in base64url. Only SHA-256 of the
/// secret part is stored. A fast hash is enough here (unlike for passwords): the secret is 256 random bits, so there
/// is nothing to guess by brute force, and a per-request lookup stays cheap.
/// </summary>
internal static class TenantToken
{
    public const string Prefix = "ioc_";
    private const int IdBytes = 8;
    private const int SecretBytes = 32;

    public static (string Id, string Token, byte[] Hash) Create()
    {
        var id = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(IdBytes));
        var secret = Base64UrlEncode(RandomNumberGenerator.GetBytes(SecretBytes));
        return (id, Prefix + id + "_" + secret, Hash(secret));
    }

    public static bool TryParse(string? token, [NotNullWhen(true)] out string? id, [NotNullWhen(true)] out string? secret)
    {
        id = null;
        secret = null;
        if (token is null || !token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 128)
        {
            return false;
        }

        var rest = token.AsSpan(Prefix.Length);
        var separator = rest.IndexOf('_');
        if (separator != IdBytes * 2 || rest.Length - separator - 1 < 32)
        {
            return false;
        }

        id = rest[..separator].ToString();
        secret = rest[(separator + 1)..].ToString();
        return true;
    }

    public static byte[] Hash(string secret) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret));

    private static string Base64UrlEncode(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
