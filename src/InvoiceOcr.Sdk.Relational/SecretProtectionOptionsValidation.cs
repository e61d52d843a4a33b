using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>Cross-field checks of <see cref="SecretProtectionOptions"/> shared by the storage packages' validators.</summary>
public static class SecretProtectionOptionsValidation
{
    /// <summary>Collects the failures of a set of master keys (empty when valid).</summary>
    /// <param name="options">The options.</param>
    /// <param name="path">The configuration path to name in messages, for example <c>SqliteStoreOptions.SecretProtection</c>.</param>
    /// <returns>The failure messages.</returns>
    public static IReadOnlyList<string> Validate(SecretProtectionOptions options, string path)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MasterKeys.Count == 0)
        {
            failures.Add($"{path}.MasterKeys is empty: configure at least one master key (base64 of 32 random bytes, e.g. 'openssl rand -base64 32').");
        }

        if (string.IsNullOrWhiteSpace(options.CurrentKeyId))
        {
            failures.Add($"{path}.CurrentKeyId is required: it names the master key that seals new secrets.");
        }
        else if (!options.MasterKeys.ContainsKey(options.CurrentKeyId))
        {
            failures.Add($"{path}.CurrentKeyId '{options.CurrentKeyId}' is not among {path}.MasterKeys.");
        }

        Span<byte> buffer = stackalloc byte[64];
        foreach (var (id, value) in options.MasterKeys)
        {
            if (!Convert.TryFromBase64String(value ?? string.Empty, buffer, out var written) || written != 32)
            {
                failures.Add($"{path}.MasterKeys['{id}'] must be base64 of exactly 32 bytes (AES-256).");
            }
        }

        return failures;
    }

    /// <summary>Returns the validation result for a set of failures.</summary>
    /// <param name="failures">The failures.</param>
    /// <returns>Success when empty.</returns>
    public static ValidateOptionsResult ToResult(IReadOnlyList<string> failures) =>
        failures is null || failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
}
