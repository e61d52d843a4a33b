using System.Text.RegularExpressions;

namespace InvoiceOcr.Sdk;

/// <summary>
/// Removes anything that looks like an API key from text before it is written anywhere (database logs,
/// console fallback, outbox). Google API keys (<c>AIza…</c>), test keys (<c>test-key-…</c>), <c>key=</c> query
/// parameters and <c>x-goog-api-key</c> header values are replaced with <c>[redacted]</c>.
/// </summary>
public static partial class SecretScrubber
{
    /// <summary>The text that replaces a secret.</summary>
    public const string Redacted = "[redacted]";

    /// <summary>Returns the text with every key-like value replaced by <see cref="Redacted"/>.</summary>
    /// <param name="text">The text, possibly <see langword="null"/>.</param>
    /// <returns>The scrubbed text, or <see langword="null"/> when <paramref name="text"/> is <see langword="null"/>.</returns>
    public static string? Scrub(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text;
        }

        text = GoogleKey().Replace(text, Redacted);
        text = TestKey().Replace(text, Redacted);
        text = KeyParameter().Replace(text, "$1" + Redacted);
        return HeaderValue().Replace(text, "$1" + Redacted);
    }

    [GeneratedRegex(@"AIza[0-9A-Za-z_\-]{20,}", RegexOptions.CultureInvariant)]
    private static partial Regex GoogleKey();

    [GeneratedRegex(@"test-key-[0-9A-Za-z_\-]+", RegexOptions.CultureInvariant)]
    private static partial Regex TestKey();

    [GeneratedRegex(@"([?&](?:key|api_key|apikey)=)[^&\s""']+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex KeyParameter();

    [GeneratedRegex(@"((?:x-goog-api-key|authorization)\s*[:=]\s*(?:Bearer\s+)?)[^\s,;""']+", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex HeaderValue();
}
