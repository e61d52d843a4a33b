using System.CommandLine;

namespace InvoiceOcr.Samples.ConsoleApp.Cli;

/// <summary>Where the model is: <c>--endpoint</c>, <c>--api-key</c> (or <c>GEMINI_API_KEY</c>) and <c>--model</c>.</summary>
internal sealed class GeminiEndpointOptions
{
    /// <summary>The environment variable read when <c>--api-key</c> is not given.</summary>
    public const string ApiKeyVariable = "GEMINI_API_KEY";

    public Option<Uri?> Endpoint { get; } = new("--endpoint")
    {
        Description = "Base address of a Gemini-compatible API. Default: https://generativelanguage.googleapis.com/",
        HelpName = "url",
        CustomParser = result =>
        {
            var text = result.Tokens.Count == 1 ? result.Tokens[0].Value : string.Empty;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp))
            {
                return uri;
            }

            result.AddError($"--endpoint must be an absolute http(s) URL, not '{text}'.");
            return null;
        },
    };

    public Option<string?> ApiKey { get; } = new("--api-key")
    {
        Description = $"A Gemini API key; it is stored (encrypted) for the company and never printed. Default: ${ApiKeyVariable}.",
        HelpName = "key",
    };

    public Option<string?> Model { get; } = new("--model")
    {
        Description = "The Gemini model. Default: gemini-2.5-flash",
        HelpName = "id",
    };

    public static GeminiEndpointOptions AddTo(Command command)
    {
        var options = new GeminiEndpointOptions();
        command.Options.Add(options.Endpoint);
        command.Options.Add(options.ApiKey);
        command.Options.Add(options.Model);
        return options;
    }

    /// <summary>The key from <c>--api-key</c> or the environment, registered with the redactor.</summary>
    public string? ResolveApiKey(ParseResult parse, CliContext context, SecretRedactor redactor)
    {
        var key = parse.GetValue(ApiKey) is { Length: > 0 } given ? given : context.GetEnvironmentVariable(ApiKeyVariable);
        key = string.IsNullOrWhiteSpace(key) ? null : key.Trim();
        redactor.Add(key);
        return key;
    }
}
