using Microsoft.Extensions.Options;

namespace InvoiceOcr.Sdk.Gemini;

/// <summary>Validates the data annotations of <see cref="GeminiOptions"/> (source-generated).</summary>
[OptionsValidator]
internal sealed partial class GeminiOptionsValidator : IValidateOptions<GeminiOptions>
{
}

/// <summary>Validates the rules of <see cref="GeminiOptions"/> that annotations cannot express.</summary>
internal sealed class GeminiOptionsRulesValidator : IValidateOptions<GeminiOptions>
{
    public ValidateOptionsResult Validate(string? name, GeminiOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var builder = new ValidateOptionsResultBuilder();
        if (options.BaseAddress is { } address)
        {
            if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttps && address.Scheme != Uri.UriSchemeHttp))
            {
                builder.AddError("must be an absolute http or https URI, for example https://generativelanguage.googleapis.com/.", "Gemini:BaseAddress");
            }
            else if (!string.IsNullOrEmpty(address.Query) || !string.IsNullOrEmpty(address.Fragment) || !string.IsNullOrEmpty(address.UserInfo))
            {
                builder.AddError("must not carry a query, fragment or user info (the API key travels only in the x-goog-api-key header).", "Gemini:BaseAddress");
            }
            else if (address.Scheme == Uri.UriSchemeHttp && !address.IsLoopback && !options.AllowPlainHttp)
            {
                // The API key travels in a header of every request: over plain http any host on the path could read it.
                builder.AddError(
                    $"is plain http to '{address.Host}', which is not a loopback host: API keys and documents would cross the network unencrypted. Use https, or set Gemini:AllowPlainHttp to true for a trusted private hop (for example a TLS-terminating sidecar).",
                    "Gemini:BaseAddress");
            }
        }

        if (options.FileProcessingTimeout < options.FilePollInterval)
        {
            builder.AddError("must not be shorter than Gemini:FilePollInterval.", "Gemini:FileProcessingTimeout");
        }

        return builder.Build();
    }
}
