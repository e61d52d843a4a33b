using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;

namespace InvoiceOcr.Emulator;

/// <summary>An API key the emulator accepts, the project it bills to and its own fault settings.</summary>
public sealed class EmulatorKeyOptions
{
    /// <summary>Gets or sets the key value callers send in <c>x-goog-api-key</c> or <c>?key=</c>.</summary>
    /// <value>The default value is an empty string (invalid; a key must be set).</value>
    [Required]
    public string Key { get; set; } = string.Empty;

    /// <summary>Gets or sets a readable identifier used in the ledger; when unset a fingerprint of the key is used.</summary>
    /// <value>The default value is <see langword="null"/> (use <c>key-</c> plus the first 8 hex digits of the key's SHA-256).</value>
    public string? Id { get; set; }

    /// <summary>Gets or sets the project the key belongs to; quotas are shared by every key of a project.</summary>
    /// <value>The default value is an empty string (invalid; a project must be set).</value>
    [Required]
    public string Project { get; set; } = string.Empty;

    /// <summary>Gets or sets a value indicating whether the key was revoked; the emulator then answers the recorded 403 "reported as leaked" body.</summary>
    /// <value>The default value is <see langword="false"/>.</value>
    public bool Revoked { get; set; }

    /// <summary>Gets fault probabilities for requests made with this key; when not empty they replace <see cref="EmulatorFaultOptions.Rates"/>.</summary>
    /// <value>The default value is an empty dictionary (use the global rates).</value>
    public IDictionary<EmulatorFaultKind, double> FaultRates { get; } = new Dictionary<EmulatorFaultKind, double>();

    /// <summary>Gets the identifier written to the ledger: <see cref="Id"/>, or a fingerprint that does not reveal the key.</summary>
    public string EffectiveId => Id is { Length: > 0 } id ? id : Fingerprint(Key);

    internal static string Fingerprint(string key)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(key));
        return "key-" + Convert.ToHexStringLower(hash.AsSpan(0, 4));
    }
}
