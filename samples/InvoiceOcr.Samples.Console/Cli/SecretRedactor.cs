namespace InvoiceOcr.Samples.ConsoleApp.Cli;

/// <summary>
/// Defence in depth for the secrets the user handed to this process (<c>--api-key</c>, <c>GEMINI_API_KEY</c>,
/// <c>keys add --secret</c>): any message about to be printed has them replaced by their masked form. The SDK already
/// keeps keys out of its messages; this guards the sample's own output too.
/// </summary>
internal sealed class SecretRedactor
{
    private readonly List<string> _secrets = [];
    private readonly Lock _gate = new();

    public void Add(string? secret)
    {
        if (string.IsNullOrEmpty(secret))
        {
            return;
        }

        lock (_gate)
        {
            if (!_secrets.Contains(secret, StringComparer.Ordinal))
            {
                _secrets.Add(secret);
            }
        }
    }

    public string Redact(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return text ?? string.Empty;
        }

        lock (_gate)
        {
            foreach (var secret in _secrets)
            {
                text = text.Replace(secret, InvoiceOcr.Sdk.ApiKeySecrets.Mask(secret), StringComparison.Ordinal);
            }
        }

        return text;
    }
}
