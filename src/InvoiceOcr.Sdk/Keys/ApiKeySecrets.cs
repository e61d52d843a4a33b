namespace InvoiceOcr.Sdk;

/// <summary>Helpers that keep API key secrets out of logs, messages and displays.</summary>
public static class ApiKeySecrets
{
    /// <summary>The character placed between the visible ends of a masked secret.</summary>
    public const char Ellipsis = '\u2026';

    /// <summary>
    /// Returns a masked form of a secret that is safe to show: its first four and last four characters
    /// around an ellipsis (<c>test…1234</c>). Secrets of twelve characters or fewer show nothing but the ellipsis,
    /// so that the visible ends never reveal most of a short secret.
    /// </summary>
    /// <param name="secret">The secret; <see langword="null"/> or empty gives an empty string.</param>
    /// <returns>The masked form.</returns>
    public static string Mask(string? secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return string.Empty;
        }

        if (secret.Length <= 12)
        {
            return Ellipsis.ToString();
        }

        return string.Concat(secret.AsSpan(0, 4), Ellipsis.ToString(), secret.AsSpan(secret.Length - 4));
    }
}
