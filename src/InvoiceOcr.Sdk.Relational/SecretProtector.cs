using System.Buffers.Binary;
using System.Collections.Frozen;
using System.Security.Cryptography;
using System.Text;

namespace InvoiceOcr.Sdk.Relational;

/// <summary>
/// Seals and opens API key secrets with AES-256-GCM. The sealed form carries a version byte, a random
/// 96-bit nonce and the 128-bit tag; the master key id is stored beside it (never inside the key material),
/// and the key's own id is bound as associated data so a ciphertext copied to another row does not open.
/// </summary>
/// <remarks>Thread-safe. Storage providers use one instance for the lifetime of the store.</remarks>
internal sealed class SecretProtector
{
    private const byte FormatVersion = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int HeaderSize = 1 + NonceSize + TagSize;

    private readonly FrozenDictionary<string, byte[]> _keys;

    /// <summary>Creates a protector from validated options.</summary>
    /// <param name="options">The master keys and the current key id.</param>
    /// <exception cref="ArgumentException">The options name no current key, or a master key is not 32 bytes of base64.</exception>
    public SecretProtector(SecretProtectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(options.CurrentKeyId))
        {
            throw new ArgumentException("SecretProtectionOptions.CurrentKeyId is required: it names the master key that seals new secrets.", nameof(options));
        }

        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (id, base64) in options.MasterKeys)
        {
            keys[id] = DecodeKey(id, base64);
        }

        if (!keys.ContainsKey(options.CurrentKeyId))
        {
            throw new ArgumentException($"SecretProtectionOptions.CurrentKeyId '{options.CurrentKeyId}' is not among the configured MasterKeys.", nameof(options));
        }

        CurrentKeyId = options.CurrentKeyId;
        _keys = keys.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Gets the id of the master key that seals new secrets.</summary>
    public string CurrentKeyId { get; }

    /// <summary>Returns whether a master key id is configured (so secrets sealed with it can be opened).</summary>
    /// <param name="masterKeyId">The master key id stored with a ciphertext.</param>
    /// <returns><see langword="true"/> when the key is configured.</returns>
    public bool HasKey(string masterKeyId) => _keys.ContainsKey(masterKeyId);

    /// <summary>Seals a secret with the current master key.</summary>
    /// <param name="secret">The plaintext API key.</param>
    /// <param name="associatedId">The id of the row the secret belongs to (bound as associated data).</param>
    /// <returns>The sealed secret and the id of the master key that sealed it.</returns>
    public ProtectedSecret Protect(string secret, string associatedId)
    {
        ArgumentException.ThrowIfNullOrEmpty(secret);
        ArgumentException.ThrowIfNullOrEmpty(associatedId);

        var plaintext = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[HeaderSize + plaintext.Length];
        sealedBytes[0] = FormatVersion;
        var nonce = sealedBytes.AsSpan(1, NonceSize);
        var tag = sealedBytes.AsSpan(1 + NonceSize, TagSize);
        var ciphertext = sealedBytes.AsSpan(HeaderSize);
        RandomNumberGenerator.Fill(nonce);

        using (var aes = new AesGcm(_keys[CurrentKeyId], TagSize))
        {
            aes.Encrypt(nonce, plaintext, ciphertext, tag, AssociatedData(associatedId));
        }

        CryptographicOperations.ZeroMemory(plaintext);
        return new ProtectedSecret(CurrentKeyId, sealedBytes);
    }

    /// <summary>Opens a sealed secret.</summary>
    /// <param name="masterKeyId">The master key id stored with the ciphertext.</param>
    /// <param name="sealedSecret">The sealed bytes.</param>
    /// <param name="associatedId">The id of the row the secret belongs to.</param>
    /// <returns>The plaintext secret.</returns>
    /// <exception cref="InvoiceOcrException">The master key is not configured, or the data is damaged or belongs to another row (kind <see cref="InvoiceOcrErrorKind.StoreUnavailable"/>).</exception>
    public string Unprotect(string masterKeyId, ReadOnlySpan<byte> sealedSecret, string associatedId)
    {
        ArgumentException.ThrowIfNullOrEmpty(masterKeyId);
        ArgumentException.ThrowIfNullOrEmpty(associatedId);
        if (!_keys.TryGetValue(masterKeyId, out var key))
        {
            throw new InvoiceOcrException(
                InvoiceOcrErrorKind.StoreUnavailable,
                $"The secret of key '{associatedId}' is sealed with master key '{masterKeyId}', which is not configured. Add it to SecretProtectionOptions.MasterKeys (keep old keys until every row is re-encrypted).");
        }

        if (sealedSecret.Length < HeaderSize || sealedSecret[0] != FormatVersion)
        {
            throw new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, $"The stored secret of key '{associatedId}' is damaged (unknown format).");
        }

        var plaintext = new byte[sealedSecret.Length - HeaderSize];
        try
        {
            using var aes = new AesGcm(key, TagSize);
            aes.Decrypt(sealedSecret.Slice(1, NonceSize), sealedSecret[HeaderSize..], sealedSecret.Slice(1 + NonceSize, TagSize), plaintext, AssociatedData(associatedId));
            return Encoding.UTF8.GetString(plaintext);
        }
        catch (AuthenticationTagMismatchException ex)
        {
            throw new InvoiceOcrException(InvoiceOcrErrorKind.StoreUnavailable, $"The stored secret of key '{associatedId}' does not authenticate: it is damaged, belongs to another key, or the master key '{masterKeyId}' is wrong.", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }

    private static byte[] AssociatedData(string associatedId)
    {
        var bytes = Encoding.UTF8.GetBytes(associatedId);
        var data = new byte[4 + bytes.Length];
        BinaryPrimitives.WriteInt32BigEndian(data, bytes.Length);
        bytes.CopyTo(data, 4);
        return data;
    }

    private static byte[] DecodeKey(string id, string base64)
    {
        byte[] key;
        try
        {
            key = Convert.FromBase64String(base64);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"Master key '{id}' is not valid base64. Generate one with 'openssl rand -base64 32'.");
        }

        if (key.Length != 32)
        {
            throw new ArgumentException($"Master key '{id}' is {key.Length} bytes; AES-256 needs exactly 32 bytes (base64 of 32 random bytes).");
        }

        return key;
    }
}

/// <summary>A sealed secret and the id of the master key that sealed it.</summary>
/// <param name="MasterKeyId">The master key id, stored beside the ciphertext.</param>
/// <param name="SealedBytes">Version byte, nonce, tag and ciphertext.</param>
internal sealed record ProtectedSecret(string MasterKeyId, byte[] SealedBytes);
