using System.ComponentModel.DataAnnotations;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// Master keys that encrypt API key secrets at rest (AES-256-GCM). Several keys may be configured so the
/// master key can be rotated: new secrets are sealed with <see cref="CurrentKeyId"/>, older rows stay readable
/// with the key id recorded beside their ciphertext until they are re-encrypted.
/// </summary>
public sealed class SecretProtectionOptions
{
    /// <summary>Gets or sets the id of the master key that seals new secrets.</summary>
    /// <value>The default value is <see langword="null"/>, which fails validation: a key must be chosen.</value>
    [Required]
    [RegularExpression("^[A-Za-z0-9_.-]{1,32}$", ErrorMessage = "The current master key id must be 1-32 characters of letters, digits, '_', '.' or '-'.")]
    public string? CurrentKeyId { get; set; }

    /// <summary>
    /// Gets the master keys by id. Each value is 32 random bytes in base64 (for example from
    /// <c>openssl rand -base64 32</c>). Keep them in a secret store, not in source.
    /// </summary>
    /// <value>The default value is an empty dictionary.</value>
    public IDictionary<string, string> MasterKeys { get; } = new Dictionary<string, string>(StringComparer.Ordinal);
}
